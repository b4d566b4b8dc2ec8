// Every page of the route table, as each kind of person reaches it: the table comes from
// `lodge routes`, so a page added to Lodge is visited here without anyone remembering to.

import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Addresses that answer with something other than a page (files, pictures, a redirect to the
// neutral site, machine endpoints), and why they are not visited as pages.
const NOT_PAGES = [
  [/^\/static\//, "style sheet and script"],
  [/^\/exit$/, "quick exit: sends her to the neutral site"],
  [/^\/healthz$|^\/metrics$/, "for machines"],
  [/\.csv$/, "a spreadsheet download"],
  [/\/thumbnail$|\/evidence\/\{evidence\}\/content$|\/download$|\/files\/\{n\}$/, "a file or picture"],
  [/\/letter$/, "the notice as a plain-text letter to send"],
];

/** The GET routes of the web pages, with who may use each. */
export function pageRoutes(bin) {
  const out = spawnSync(bin, ["routes"], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`lodge routes failed: ${out.stderr}`);
  const routes = out.stdout.trim().split("\n").map((line) => {
    const [method, path, allowed] = line.split(" ");
    return { method, path, allowed };
  });
  return routes;
}

/** Whether a route's path is a page (not a file, a picture or a machine's address). */
export function isPage(path) {
  return !path.startsWith("/api/") && !NOT_PAGES.some(([pattern]) => pattern.test(path));
}

/** Which rules each kind of person passes. */
export const REACHES = {
  survivor: ["public", "signed-in", "survivor", "case-read", "case-write", "case-owner"],
  "worker (read only)": ["public", "signed-in", "staff", "case-read"],
  "worker (read and add)": ["public", "signed-in", "staff", "case-read", "case-write"],
  administrator: ["public", "signed-in", "admin", "staff"],
  "third party": ["public", "inbox-link"],
};

/** The rules that a signed-in person may or may not pass, by who they are. */
export const SIGNED_IN_RULES = ["signed-in", "survivor", "admin", "staff", "case-read", "case-write", "case-owner"];

/** Fills a path template's parameters, or names the first it cannot fill. */
export function fill(path, values) {
  let missing = null;
  const filled = path.replace(/\{(\w+)\}/g, (_, name) => {
    if (values[name] === undefined) missing = missing || name;
    return values[name];
  });
  return { filled, missing };
}

/** The route a path and method belong to, if any. */
export function routeOf(routes, method, path) {
  return routes.find((r) => {
    if (r.method !== method) return false;
    const pattern = new RegExp("^" + r.path.replace(/\{\w+\}/g, "[^/]+") + "$");
    return pattern.test(path);
  });
}

/** What is wrong with the page now shown, at this text size, for this person. */
export async function pageProblems(page, { axe, canaries, percent }) {
  const problems = [];
  const size = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  if (percent && size !== `${(16 * percent) / 100}px`) problems.push(`text is ${size}, not ${percent} %`);
  const wide = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    // Name the widest elements that reach past the screen's edge.
    return [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className ? "." + String(e.className).split(" ").join(".") : ""} (${Math.round(e.getBoundingClientRect().right)}px)`)
      .join(", ");
  });
  if (wide) problems.push(`wider than the screen: ${wide}`);
  const title = await page.title();
  for (const canary of canaries) {
    if (title.includes(canary)) problems.push(`the title "${title}" carries "${canary}"`);
  }
  problems.push(...(await axe(page)));
  return problems;
}

/**
 * A browser whose text size is set as a person sets it (Chrome's font-size setting, the
 * profile's default font size): 16 px is 100 %. A fresh profile each time, so nothing is kept.
 */
export async function browserWithTextSize(chromium, options, percent) {
  const profile = mkdtempSync(join(tmpdir(), "lodge-text-"));
  mkdirSync(join(profile, "Default"));
  const prefs = { webkit: { webprefs: { default_font_size: (16 * percent) / 100, default_fixed_font_size: (13 * percent) / 100 } } };
  writeFileSync(join(profile, "Default", "Preferences"), JSON.stringify(prefs));
  const context = await chromium.launchPersistentContext(profile, { ...options, viewport: { width: 360, height: 740 } });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

/** Forms on the page that post to a route this person may not use, and links to such pages. */
export async function writeOffers(page, routes, forbidden) {
  const targets = await page.evaluate(() => [
    ...[...document.querySelectorAll("form")].map((f) => ["POST", new URL(f.getAttribute("action") || location.href, location.href), (f.getAttribute("method") || "get").toUpperCase()]),
    ...[...document.querySelectorAll("a[href]")].map((a) => ["GET", new URL(a.getAttribute("href"), location.href), "GET"]),
  ].filter(([, u]) => u.origin === location.origin).map(([m, u, fm]) => [m === "POST" && fm !== "POST" ? "GET" : m, u.pathname]));
  return targets
    .map(([method, path]) => ({ method, path, route: routeOf(routes, method, path) }))
    .filter((t) => t.route && forbidden.includes(t.route.allowed))
    .map((t) => `${t.method} ${t.path} (${t.route.allowed})`);
}
