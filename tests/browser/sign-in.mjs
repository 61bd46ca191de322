// A person at a real browser, for tests/e2e/browser.sh: headless Chromium, driven
// through the DevTools protocol by playwright-core, answers compozy-devcloud's
// sign-in pages and records what each page showed.
//
//   BROWSER="node tests/browser/sign-in.mjs" compozy login …   (the consent page)
//   node tests/browser/sign-in.mjs http://…/device              (types SIGN_IN_USER_CODE)
//
// Environment:
//   SIGN_IN_DECISION   approve (default) or deny
//   SIGN_IN_USER_CODE  the code to type on the device page
//   SIGN_IN_SHOTS      the folder for screenshots, NAME-desktop.png and NAME-phone.png
//   SIGN_IN_REPORT     the JSON file written at the end: each page's heading, text,
//                      overflow at phone width and text below WCAG AA contrast, or an error
//   SIGN_IN_CHROMIUM   the browser (default /usr/bin/chromium)
//
// compozy starts a BROWSER with no terminal and does not wait for it, so everything
// this script has to say goes into the report, and it ends itself at a deadline.
import { chromium } from 'playwright-core';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const deadline_ms = 60_000;
const step_ms = 20_000;
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

const url = process.argv[2];
const decision = process.env.SIGN_IN_DECISION ?? 'approve';
const shots = process.env.SIGN_IN_SHOTS ?? '.';
const report_path = process.env.SIGN_IN_REPORT ?? 'sign-in.json';
const report = { url, pages: {}, error: null };
let navigation_status = null;  // of the page on show, which a screenshot cannot tell

function write_report() {
  const temporary = `${report_path}.tmp`;
  writeFileSync(temporary, JSON.stringify(report, null, 2));
  renameSync(temporary, report_path);  // the test polls for the file: it must appear whole
}

const watchdog = setTimeout(() => {
  report.error = `gave up after ${deadline_ms / 1000} s`;
  write_report();
  process.exit(1);
}, deadline_ms);

// WCAG 2.x contrast of each element's own text against the first opaque background
// behind it; runs in the page.
function low_contrast_text() {
  const channels = (colour) => colour.match(/[\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage !== 'none') return null;  // a gradient: judged by eye
      const rgba = channels(style.backgroundColor);
      if (rgba.length < 4 || rgba[3] === 1) return rgba.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const element of document.body.querySelectorAll('*')) {
    const own = [...element.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.data).join('');
    if (!own.trim() || element.getClientRects().length === 0) continue;
    const style = getComputedStyle(element);
    const behind = background(element);
    if (!behind) continue;
    const [a, b] = [luminance(channels(style.color)), luminance(behind)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) found.push({ text: own.trim().slice(0, 60), ratio: Math.round(ratio * 100) / 100 });
  }
  return found;
}

// Screenshots at both widths, and what a person reads there.
async function record(page, name) {
  const entry = { screenshots: [] };
  for (const [label, size] of [['phone', phone], ['desktop', desktop]]) {
    await page.setViewportSize(size);
    const file = path.join(shots, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    entry.screenshots.push(file);
    if (label === 'phone') {
      entry.horizontal_scroll_at_phone_width = await page.evaluate(
        () => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    }
  }
  entry.status = navigation_status;
  entry.title = await page.title();
  entry.heading = (await page.locator('h1').first().innerText()).trim();
  entry.text = await page.locator('body').innerText();
  entry.has_viewport_meta = (await page.locator('meta[name=viewport]').count()) === 1;
  entry.low_contrast = await page.evaluate(low_contrast_text);
  report.pages[name] = entry;
}

async function answer_consent(page) {
  await page.waitForSelector('form[action="/oauth/authorize/decision"]');
  await record(page, 'consent');
  const redirected = page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { waitUntil: 'load' });
  await page.getByRole('button', { name: decision === 'deny' ? 'Deny' : 'Approve', exact: true }).click();
  await redirected;
  await record(page, decision === 'deny' ? 'denial' : 'success');
}

async function answer_device(page) {
  const user_code = process.env.SIGN_IN_USER_CODE;
  if (!user_code) throw new Error('SIGN_IN_USER_CODE is not set');
  await page.waitForSelector('input#user_code');
  await record(page, 'device-entry');
  await page.locator('input#user_code').pressSequentially(user_code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForSelector('form[action="/device/decision"]');
  await record(page, 'device-consent');
  await page.getByRole('button', { name: decision === 'deny' ? 'Deny' : 'Approve', exact: true }).click();
  await page.waitForSelector('.status-icon');
  await record(page, decision === 'deny' ? 'device-denial' : 'device-done');
}

async function main() {
  if (!url) throw new Error('usage: sign-in.mjs URL');
  if (decision !== 'approve' && decision !== 'deny') throw new Error(`SIGN_IN_DECISION is '${decision}'`);
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.SIGN_IN_CHROMIUM ?? '/usr/bin/chromium',
    timeout: step_ms,
  });
  try {
    const context = await browser.newContext({ viewport: desktop });
    context.setDefaultTimeout(step_ms);
    const page = await context.newPage();
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
        navigation_status = response.status();
      }
    });
    page.on('console', (message) => { (report.console ??= []).push(message.text()); });
    await page.goto(url);
    if (new URL(url).pathname === '/device') await answer_device(page);
    else await answer_consent(page);
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (error) {
  report.error = String(error?.message ?? error).split('\n')[0];
}
clearTimeout(watchdog);
write_report();
process.exit(report.error ? 1 : 0);
