// Lodge in a real browser: headless Debian Chromium, driven by playwright-core, with axe-core
// checking WCAG 2.1 AA on the main pages at phone and desktop widths.
//
// Run from the repository root after `cargo build`:  node --test tests/browser/
// LODGE_BIN names the binary (default: $CARGO_TARGET_DIR/debug/lodge or target/debug/lodge).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, readFileSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { documentedNginx } from "./nginx.mjs";
import { pageRoutes, isPage, REACHES, SIGNED_IN_RULES, fill, pageProblems, browserWithTextSize, writeOffers } from "./every_page.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const ROOT = join(dirname(new URL(import.meta.url).pathname), "..", "..");
const BIN = process.env.LODGE_BIN || join(process.env.CARGO_TARGET_DIR || join(ROOT, "target"), "debug", "lodge");
const PASSWORD = "correct horse battery staple";
const SHOTS = process.env.LODGE_SCREENSHOTS;

const PEN = readFileSync(join(ROOT, "..", "shared", "vectors", "pdq", "images", "pen-and-coaster.png"));

let neutral, neutralUrl, siteUrl, lodge, url, dataDir, browser;

const LAUNCH = {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

/** A phone-sized browser with her text at `percent` (100: the shared browser's own context). */
function textSized(percent) {
  return percent === 100 ? browser.newContext({ viewport: { width: 360, height: 740 } }) : browserWithTextSize(chromium, LAUNCH, percent);
}

function env() {
  return {
    PATH: process.env.PATH,
    LODGE_ARGON2_MEMORY_KIB: "256",
    LODGE_ARGON2_ITERATIONS: "1",
    LODGE_ARGON2_BELOW_MINIMUM_FOR_TESTS: "true",
    LODGE_EXIT_URL: neutralUrl,
    LODGE_ORGANISATION: "Lodge test organisation",
    // The same local server stands in for a site with a copy of her photo and a search page.
    LODGE_SCAN_ALLOW_PRIVATE: "true",
    LODGE_SCAN_INTERVAL_MS: "0",
    LODGE_WATCH_SITES: `[{name="Local tube", search_url="${siteUrl}/search?q={query}"}]`,
  };
}

before(async () => {
  neutral = createServer((req, res) => {
    if (req.url.startsWith("/leak/pen.png")) {
      res.writeHead(200, { "content-type": "image/png" });
      return res.end(PEN);
    }
    res.writeHead(200, { "content-type": "text/html" });
    if (req.url.startsWith("/leak/")) return res.end('<!doctype html><title>Free</title><img src="pen.png">');
    if (req.url.startsWith("/search")) return res.end('<!doctype html><a href="/v/1">Mina leaked photos</a>');
    res.end("<!doctype html><title>Weather</title><h1>Weather today</h1>");
  });
  await new Promise((r) => neutral.listen(0, "127.0.0.1", r));
  siteUrl = `http://127.0.0.1:${neutral.address().port}`;
  neutralUrl = `${siteUrl}/weather`;

  dataDir = mkdtempSync(join(tmpdir(), "lodge-browser-"));
  for (const [role, username] of [["survivor", "mina"], ["administrator", "ada"], ["support-worker", "wren"], ["support-worker", "willa"]]) {
    const add = spawnSync(BIN, ["admin", "user", "add", "--role", role, "--username", username, "--password-stdin", "--data-dir", dataDir], { input: PASSWORD + "\n", env: env() });
    assert.equal(add.status, 0, add.stderr.toString());
  }

  lodge = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir], { env: env(), stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise((resolve, reject) => {
    let out = "";
    lodge.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/Lodge listening on (\S+)/);
      if (m) resolve(m[1]);
    });
    lodge.on("exit", (code) => reject(new Error(`lodge exited with ${code}`)));
  });

  browser = await chromium.launch(LAUNCH);
});

after(async () => {
  await browser?.close();
  lodge?.kill("SIGKILL");
  neutral?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(page, username = "mina") {
  await page.goto(`${url}/login`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

async function axeViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

let casePath, incidentPath, personPath, keptCopyPath;

test("she signs in, logs an incident with a screenshot and sees it on the timeline", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const external = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith(neutralUrl)) external.push(r.url());
  });
  await signIn(page);

  await page.getByLabel("Name of the case").fill("Messages from darkwolf");
  await page.getByRole("button", { name: "Start case" }).click();
  await page.waitForURL(/\/cases\/[0-9a-f-]+$/);
  casePath = new URL(page.url()).pathname;

  // The case's pages are in its menu, folded away so the timeline comes first.
  await page.getByText("Case menu").click();
  await page.getByRole("link", { name: "People" }).click();
  await page.getByRole("link", { name: "Add a person" }).click();
  await page.getByLabel("Username, number, address or link").first().fill("darkwolf");
  await page.getByLabel("Platform or service").first().fill("Twitch");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(/\/people\/[0-9a-f-]+$/);
  personPath = new URL(page.url()).pathname;
  assert.match(await page.textContent("h1"), /darkwolf on Twitch/);

  await page.goto(url + casePath);
  await page.getByRole("link", { name: "Log an incident" }).click();
  const screenshot = await page.screenshot();
  await page.getByLabel("Date", { exact: true }).first().fill("2025-05-03");
  await page.getByLabel("Time", { exact: true }).first().fill("21:15");
  await page.getByLabel("What happened?").fill("He messaged forty times in an hour after I blocked him.");
  await page.getByText("More about it").click();
  await page.getByLabel("Threats").check();
  await page.getByLabel("darkwolf on Twitch").check();
  await page.getByLabel("Screenshots, recordings or other files").setInputFiles({ name: "screenshot.png", mimeType: "image/png", buffer: screenshot });
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(/\/incidents\/[0-9a-f-]+$/);
  incidentPath = new URL(page.url()).pathname;
  assert.match(await page.textContent("main"), /SHA-256 [0-9a-f]{64}/);
  const thumb = page.locator("figure.evidence img");
  await thumb.waitFor();
  assert.ok(await thumb.evaluate((img) => img.complete && img.naturalWidth > 0), "the thumbnail loads");

  await page.goto(url + casePath);
  assert.match(await page.textContent("ol.timeline"), /He messaged forty times/);
  // On a phone the newest incident is on the first screen, below the title and one button.
  const first = await page.locator("ol.timeline li").first().boundingBox();
  assert.ok(first && first.y + 40 < 740, `the first incident starts ${first && first.y}px down a 740px screen`);
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "timeline-phone.png"), fullPage: true });
  }
  assert.deepEqual(external, [], "no request leaves Lodge");
  await context.close();
});

test("Escape leaves for the neutral site, and Back does not return to the case", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(url + casePath);
  await page.goto(url + incidentPath);

  // Escape while typing in a field does nothing.
  await page.goto(`${url}${casePath}/incidents/new`);
  await page.getByLabel("What happened?").focus();
  await page.keyboard.press("Escape");
  assert.ok(page.url().startsWith(url), "Escape in a field does not leave");

  await page.goto(url + incidentPath);
  await page.locator("h1").click();
  await page.keyboard.press("Escape");
  await page.waitForURL(neutralUrl);
  assert.match(await page.textContent("h1"), /Weather today/);

  await page.goBack();
  await page.waitForLoadState();
  assert.ok(!page.url().includes(incidentPath), `Back went to ${page.url()}`);
  const text = await page.textContent("body");
  assert.ok(!text.includes("He messaged forty times"), "the case content is not shown again");
  assert.ok(!text.includes("Messages from darkwolf"), "the case title is not shown again");
  assert.match(page.url(), /\/login/, "she is signed out");
  await context.close();
});

test("the quick-exit button works without JavaScript", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page);
  await page.getByRole("link", { name: /Quick exit/ }).click();
  await page.waitForURL(neutralUrl);
  await page.goto(`${url}/cases`);
  assert.match(page.url(), /\/login/);
  await context.close();
});

let copiesPath, noticeFormPath, noticePath;

test("she registers her photo, a scan finds a copy, she compares them and asks the site to remove it", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${url}${casePath}/content`);
  await page.getByLabel("Your name for it").fill("Pen set");
  await page.locator("#f-file").setInputFiles({ name: "pen.png", mimeType: "image/png", buffer: PEN });
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Register" }).click()]);
  await page.getByLabel("Web addresses to look at, one a line").fill(`${siteUrl}/leak/`);
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Look for copies" }).click()]);
  for (let i = 0; i < 100 && !(await page.textContent("main")).includes("Finished"); i++) {
    await page.waitForTimeout(200);
    await page.reload();
  }
  await page.getByRole("link", { name: /copy found to review/ }).click();
  copiesPath = new URL(page.url()).pathname;
  const pictures = page.locator(".side-by-side img");
  assert.equal(await pictures.count(), 2, "hers and what was found, side by side");
  for (const img of await pictures.all()) {
    await img.waitFor();
    assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), "both pictures load from Lodge");
  }
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "It is mine: keep as evidence" }).click()]);
  assert.match(await page.textContent("main"), /A copy of my content “Pen set”/);
  keptCopyPath = new URL(page.url()).pathname;
  assert.match(keptCopyPath, /\/incidents\/[0-9a-f-]+$/, "the kept copy is an incident");

  await page.goto(url + copiesPath);
  await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: /^Ask 127\.0\.0\.1:\d+ for removal$/ }).click()]);
  for (const [name, value] of [["maker", "her"], ["paid", "no"], ["nature", "real"], ["eu", "no"], ["cdn", "no"]]) {
    await page.locator(`input[name=${name}][value=${value}]`).check();
  }
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Show the ways to ask" }).click()]);
  noticeFormPath = new URL(page.url()).pathname + new URL(page.url()).search;
  await page.getByLabel("Sender's name").fill("Mina");
  await page.getByLabel("Email address for replies").fill("mina@fans.example");
  await page.getByLabel("Postal address").fill("PO Box 7, Leeds");
  await page.getByLabel("Signature: the signer's full name, typed").fill("Mina");
  await page.getByLabel("Name", { exact: true }).fill("Local tube");
  await page.getByLabel("Email address for notices").fill("abuse@tube.example");
  await page.locator("input[name=good_faith]").check();
  await page.locator("input[name=accurate]").check();
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Make the notice" }).click()]);
  assert.match(page.url(), /\/notices\/[0-9a-f-]+$/);
  noticePath = new URL(page.url()).pathname;
  assert.match(await page.textContent("main"), /DMCA copyright notice/);
  await context.close();
});

async function openedReport(page) {
  for (let i = 0; i < 300 && (await page.textContent("main")).includes("still being prepared"); i++) {
    await page.waitForTimeout(200);
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Try again" }).click()]);
  }
  return page.textContent("main");
}

test("an officer opens a police link through the documented proxy, with and without JavaScript, and its secret is in no log", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lodge-nginx-"));
  const { nginx, proxied } = await documentedNginx(dir, url, ROOT);
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${url}${casePath}/sharing`);
    await page.getByLabel("Who the link is for").fill("PC Smith, ref 123");
    await page.getByLabel("Name the report uses").fill("Mina");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Make a police link" }).click()]);
    const link = await page.locator("#link").inputValue();
    const secret = link.split("#")[1];
    assert.ok(secret && secret.length > 20, "the secret follows #");
    await context.close();

    // With JavaScript: the page posts the secret and takes it out of the address bar.
    const officer = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const withScript = await officer.newPage();
    await withScript.goto(`${proxied}/shared#${secret}`);
    await withScript.waitForFunction(() => /Checking it|still being prepared/.test(document.body.textContent));
    assert.match(await openedReport(withScript), /He messaged forty times/);
    assert.equal(new URL(withScript.url()).hash, "", "the secret is no longer in the address bar");
    assert.deepEqual(await axeViolations(withScript), [], "the officer's page meets WCAG 2.1 AA");
    assert.equal(await withScript.locator("[role=alert]").count(), 0, "no error before the officer typed anything");
    const overflow = await withScript.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, "nothing on the officer's page is wider than a phone");
    await officer.close();

    // Without JavaScript: the officer pastes the link.
    const plain = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
    const noScript = await plain.newPage();
    await noScript.goto(`${proxied}/shared#${secret}`);
    await noScript.getByLabel("The link you were sent").fill(`${proxied}/shared#${secret}`);
    await Promise.all([noScript.waitForNavigation(), noScript.getByRole("button", { name: "Open the report" }).click()]);
    assert.match(await openedReport(noScript), /He messaged forty times/);
    await plain.close();

    const access = readFileSync(join(dir, "access.log"), "utf8");
    assert.match(access, /POST \/shared /, "the proxy logged the officer's requests");
    assert.ok(!access.includes(secret), "the link's secret is in the proxy's access log");
  } finally {
    nginx.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [label, width] of [["phone", 360], ["desktop", 1280]]) {
  test(`no WCAG 2.1 AA violations at ${label} width`, async () => {
    // axe is injected through the debugging protocol; the pages keep their real CSP.
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${url}/login`);
    const found = { "sign-in": await axeViolations(page) };
    await signIn(page);
    for (const [name, path] of [
      ["timeline", casePath],
      ["incident", incidentPath],
      ["new incident", `${casePath}/incidents/new`],
      ["person", personPath],
      ["case log", `${casePath}/log`],
      ["prepare a report", `${casePath}/report`],
      ["your content", `${casePath}/content`],
      ["copies found", copiesPath],
      ["new notice", noticeFormPath],
      ["notice", noticePath],
      ["notices", `${casePath}/notices`],
      ["name watch", `${casePath}/watch`],
      ["sharing", `${casePath}/sharing`],
      ["who looked", `${casePath}/access`],
      ["inbox", `${casePath}/inbox`],
      ["account", "/account"],
      ["your voice", "/your-voice"],
    ]) {
      await page.goto(url + path);
      found[name] = await axeViolations(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `nothing on the ${name} page is wider than the screen`);
      if (SHOTS && width === 1280 && name === "incident") await page.screenshot({ path: join(SHOTS, "incident-desktop.png"), fullPage: true });
      if (SHOTS && width === 360 && name === "prepare a report") await page.screenshot({ path: join(SHOTS, "report-phone.png"), fullPage: true });
    }
    // The report preview: the form posted back with what the report will hold.
    await page.goto(`${url}${casePath}/report`);
    await Promise.all([page.waitForNavigation(), page.click("button[value=preview]")]);
    assert.match(await page.textContent("#preview"), /Preview/);
    found["report preview"] = await axeViolations(page);
    const previewOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(previewOverflow, false, "nothing in the report preview is wider than the screen");
    // The PDF made in the background: the page shows how far it has got (updated in place by
    // the script; only without JavaScript does the page reload itself), then the download.
    const made = "section[aria-labelledby=made] a[download]";
    const before = await page.locator(made).count();
    await Promise.all([page.waitForNavigation(), page.click("button[value=pdf]")]);
    found["report being made"] = await axeViolations(page);
    // Nothing here navigates: the script brings the page up to date by itself.
    await page.locator(made).nth(before).waitFor({ timeout: 60000 });
    assert.equal(await page.locator(made).count(), before + 1, "the PDF is offered for download");
    found["report files"] = await axeViolations(page);
    const filesOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(filesOverflow, false, "nothing in the list of report files is wider than the screen");
    // Importing a chat: the form, then what is in the file before anything is saved.
    await page.goto(`${url}${casePath}/import`);
    found["import"] = await axeViolations(page);
    await page.setInputFiles("#f-file", {
      name: "chat.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("[03/05/2024, 21:15:40] darkwolf: you can't hide\n[13/05/2024, 09:01:00] Ruby: Stop contacting me.\n"),
    });
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Read the file" }).click()]);
    assert.match(await page.textContent("h1"), /What is in chat.txt/);
    found["import preview"] = await axeViolations(page);
    const importOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(importOverflow, false, "nothing in the import preview is wider than the screen");
    if (SHOTS && width === 360) await page.screenshot({ path: join(SHOTS, "import-phone.png"), fullPage: true });
    // The pages a link opens for someone without an account: a friend reporting into her
    // inbox, and an officer opening a police link.
    await page.goto(`${url}${casePath}/inbox`);
    await page.fill("#f-inbox_label", "Sam");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Make a link" }).click()]);
    const inboxLink = await page.inputValue("#link");
    await page.goto(`${url}${casePath}/sharing`);
    await page.fill("#f-label", "PC Smith");
    await page.fill("#f-subject_name", "Mina");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Make a police link" }).click()]);
    const policeLink = await page.inputValue("#link");
    const stranger = await browser.newContext({ viewport: { width, height: 800 } });
    const other = await stranger.newPage();
    for (const [name, link] of [["inbox report", inboxLink], ["shared report", policeLink]]) {
      await other.goto(link);
      found[name] = await axeViolations(other);
      const wide = await other.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(wide, false, `nothing on the ${name} page is wider than the screen`);
    }
    await stranger.close();
    for (const [name, violations] of Object.entries(found)) {
      assert.deepEqual(violations, [], `${name} page at ${width}px`);
    }
    await context.close();
  });
}

test("the bundle's own page checks it offline in the browser, and names an exhibit changed by one byte", async () => {
  const session = await fetch(`${url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "mina", password: PASSWORD }),
  });
  const { token } = await session.json();
  const res = await fetch(`${url}/api/v1${casePath}/reports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ format: "bundle", subject_name: "Mina" }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const dir = mkdtempSync(join(tmpdir(), "lodge-bundle-"));
  try {
    const zip = join(dir, "bundle.zip");
    writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
    const folder = join(dir, "bundle");
    const unzip = spawnSync("python3", ["-m", "zipfile", "-e", zip, folder]);
    assert.equal(unzip.status, 0, unzip.stderr.toString());

    // No network at all: the page and everything it checks are on this computer.
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, offline: true });
    const page = await context.newPage();
    const fetched = [];
    page.on("request", (r) => { if (!r.url().startsWith("file:")) fetched.push(r.url()); });
    const checkFolder = async () => {
      await page.goto(`file://${folder}/verify.html`);
      await page.setInputFiles("#bundle", folder);
      await page.getByRole("button", { name: "Check the bundle" }).click();
      await page.waitForFunction(() => document.getElementById("result").textContent.length > 0);
      return page.locator("#result").textContent();
    };
    const good = await checkFolder();
    assert.match(good, /The bundle checks out/, good);
    assert.deepEqual(await axeViolations(page), [], "the page meets WCAG 2.1 AA");

    const exhibit = readdirSync(join(folder, "exhibits"))[0];
    const path = join(folder, "exhibits", exhibit);
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(path, bytes);
    const bad = await checkFolder();
    assert.match(bad, /does not check out/, bad);
    assert.ok(bad.includes(`exhibits/${exhibit}`), `the changed exhibit is named: ${bad}`);
    assert.deepEqual(fetched, [], "the page fetched nothing");
    await context.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("she names someone new from the incident form, and an error's link leaves its field below the quick-exit bar", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${url}${casePath}/incidents/new`);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, "incident-form-phone.png"), fullPage: true });
  await page.getByLabel("What happened?").fill("He set up a new account to follow me.");
  await page.getByLabel(/Someone not listed/).fill("nightowl_77");
  await page.getByLabel("Platform or service (if any)").fill("Instagram");
  // No date: the form comes back with the problem, and everything she typed.
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save" }).click()]);
  await page.getByRole("link", { name: /Enter the full date/ }).click();
  const bar = await page.locator("#quick-exit").boundingBox();
  const field = await page.locator("#f-occurred_date").boundingBox();
  assert.ok(field.y >= bar.y + bar.height, `the field (top ${field.y}px) is below the bar (bottom ${bar.y + bar.height}px)`);
  assert.equal(await page.getByLabel(/Someone not listed/).inputValue(), "nightowl_77", "what she typed is kept");
  await page.locator("#f-occurred_date").fill("2025-05-04");
  await page.locator("#f-occurred_time").fill("08:30");
  // The browser's own check of a web address scrolls to the field, below the bar too.
  await page.getByText("More about it").click();
  await page.getByLabel("Web address (if there is one)").fill("not an address");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === "f-url");
  const bubble = await page.locator("#f-url").boundingBox();
  assert.ok(bubble.y >= bar.y + bar.height, `the field the browser points at (top ${bubble.y}px) is below the bar`);
  await page.getByLabel("Web address (if there is one)").fill("");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save" }).click()]);
  assert.match(page.url(), /\/incidents\/[0-9a-f-]+$/);
  assert.match(await page.textContent("main"), /nightowl_77/);
  await page.goto(`${url}${casePath}/people`);
  assert.match(await page.textContent("main"), /nightowl_77/, "they are among the case's people");
  await context.close();
});

test("every page of the route table, for everyone who can reach it, fits a 360 px phone at 100 % and 200 % text, meets WCAG 2.1 AA, and keeps case content out of its title", async () => {
  const routes = pageRoutes(BIN);
  const survivor = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const her = await survivor.newPage();
  await signIn(her);
  // She shares her case with one worker to read and one to read and add.
  for (const [who, access] of [["wren", "read"], ["willa", "write"]]) {
    await her.goto(`${url}${casePath}/sharing`);
    await her.getByLabel("Support worker's username").fill(who);
    await her.locator(`input[name=access][value=${access}]`).check();
    await Promise.all([her.waitForNavigation(), her.getByRole("button", { name: "Share with this worker" }).click()]);
  }
  await her.goto(`${url}${casePath}/inbox`);
  await her.fill("#f-inbox_label", "Sam");
  await Promise.all([her.waitForNavigation(), her.getByRole("button", { name: "Make a link" }).click()]);
  const inboxToken = new URL(await her.inputValue("#link")).pathname.split("/").pop();
  await her.goto(url + incidentPath);
  const evidence = (await her.locator("a[href*='/evidence/']").first().getAttribute("href")).split("/evidence/")[1].split("/")[0];
  await survivor.close();

  const admin = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const adminPage = await admin.newPage();
  await signIn(adminPage, "ada");
  await adminPage.goto(`${url}/admin`);
  await Promise.all([adminPage.waitForNavigation(), adminPage.getByRole("button", { name: "Make invitation link" }).click()]);
  const joinToken = (await adminPage.locator("#link").inputValue()).split("/join/")[1];
  await admin.close();

  const id = (path) => path.split("/").pop();
  const values = {
    case: id(casePath), incident: id(incidentPath), person: id(personPath), notice: id(noticePath),
    evidence, token: null, old: "an-old-link",
  };
  const canaries = ["darkwolf", "Messages from", "He messaged", "nightowl"];
  const problems = [];
  const visited = [];
  const people = [
    ["survivor", "mina"], ["worker (read only)", "wren"], ["worker (read and add)", "willa"], ["administrator", "ada"], ["third party", null],
  ];
  for (const [kind, username] of people) {
    for (const percent of [100, 200]) {
      const context = await textSized(percent);
      const page = context.pages()[0] || (await context.newPage());
      if (username) await signIn(page, username);
      const forbidden = SIGNED_IN_RULES.filter((rule) => !REACHES[kind].includes(rule));
      for (const route of routes.filter((r) => r.method === "GET" && isPage(r.path) && REACHES[kind].includes(r.allowed))) {
        // The two links someone receives: an invitation, and her inbox for a friend. Incidents:
        // the one she wrote, and a kept copy (its heading is a long web address).
        const token = route.path.startsWith("/join/") ? joinToken : route.path.startsWith("/inbox/") ? inboxToken : undefined;
        const incidents = route.path.includes("{incident}") ? [values.incident, id(keptCopyPath)] : [values.incident];
        for (const incident of incidents) {
          const { filled, missing } = fill(route.path, { ...values, token, incident });
          if (missing) {
            problems.push(`${kind}: no value for {${missing}} in ${route.path}`);
            continue;
          }
          const response = await page.goto(url + filled);
          assert.ok(response.status() < 500, `${filled} answered ${response.status()}`);
          for (const p of await pageProblems(page, { axe: axeViolations, canaries, percent })) problems.push(`${kind}, ${filled} at ${percent} %: ${p}`);
          // Each person is offered only what they may do: no form or link to a route whose
          // rule they do not pass (for a read-only worker, nothing that changes her case).
          if (username && percent === 100) {
            for (const offer of await writeOffers(page, routes, forbidden)) problems.push(`${kind}, ${filled} offers ${offer}`);
          }
          visited.push(`${kind} ${filled} ${percent}`);
        }
      }
      await context.close();
    }
  }
  // The officer: a police link opened, and the report behind it.
  await policeLinkPages(canaries, problems);
  assert.deepEqual(problems, [], problems.join("\n"));
  assert.ok(visited.length >= 120, `visited ${visited.length} pages`);
});

async function policeLinkPages(canaries, problems) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${url}${casePath}/sharing`);
  await page.fill("#f-label", "PC Jones");
  await page.fill("#f-subject_name", "Mina");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Make a police link" }).click()]);
  const link = await page.inputValue("#link");
  await context.close();
  for (const percent of [100, 200]) {
    const officer = await textSized(percent);
    const shown = officer.pages()[0] || (await officer.newPage());
    await shown.goto(link);
    await shown.waitForFunction(() => /Checking it|still being prepared|Report/.test(document.body.textContent));
    await openedReport(shown);
    for (const p of await pageProblems(shown, { axe: axeViolations, canaries, percent })) problems.push(`officer, police link at ${percent} %: ${p}`);
    await officer.close();
  }
}
