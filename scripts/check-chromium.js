#!/usr/bin/env node
// E2E tests drive Debian's Chromium; browser downloads are not possible here. Never skip silently.
const fs = require('node:fs');

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!fs.existsSync(path)) {
  console.error(
    `error: Chromium not found at ${path}. The end-to-end tests need it:\n` +
      '  sudo apt-get update && sudo apt-get install -y chromium\n' +
      'or set CHROMIUM_PATH to a Chromium/Chrome binary.',
  );
  process.exit(1);
}
