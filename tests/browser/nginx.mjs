// The reverse proxy of docs/deploy.md, started for the browser test.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { connect } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// nginx configured exactly as docs/deploy.md says (without TLS: there is no certificate
// here), in front of Lodge, writing nginx's usual access log.
export async function documentedNginx(dir, url, ROOT) {
  const doc = readFileSync(join(ROOT, "docs", "deploy.md"), "utf8");
  const block = doc.split("nginx:\n\n```\n")[1].split("```")[0];
  const free = createServer();
  await new Promise((r) => free.listen(0, "127.0.0.1", r));
  const port = free.address().port;
  await new Promise((r) => free.close(r));
  const site = block
    .replace("listen 443 ssl;", `listen 127.0.0.1:${port};`)
    .replace(/^\s*ssl_certificate.*$/gm, "")
    .replace("proxy_pass http://127.0.0.1:8080;", `proxy_pass ${url};`);
  assert.ok(site.includes(`proxy_pass ${url};`), "the documented nginx block was found");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${dir}/${t};`).join(" ");
  // One process, so that stopping it stops nginx whole.
  const conf = `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events {}
http { access_log ${dir}/access.log; ${temp}
${site} }`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const nginx = spawn(process.env.NGINX || "/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { stdio: "inherit" });
  const proxied = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const listening = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1", () => resolve(true));
      socket.on("error", () => resolve(false));
      socket.on("connect", () => socket.destroy());
    });
    if (listening) return { nginx, proxied };
    await new Promise((r) => setTimeout(r, 100));
  }
  nginx.kill("SIGKILL");
  throw new Error("nginx did not start");
}
