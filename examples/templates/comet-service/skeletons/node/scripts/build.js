// Offline "build": checks every source file parses and copies it to dist/ with a manifest.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const root = path.join(__dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });
const files = fs.readdirSync(src).filter(f => f.endsWith('.js'));
for (const file of files) {
  const code = fs.readFileSync(path.join(src, file), 'utf8');
  new vm.Script(code, { filename: file }); // throws on a syntax error
  fs.writeFileSync(path.join(dist, file), code);
}
const manifest = {
  name: require('../package.json').name,
  files,
  builtAt: new Date().toISOString(),
};
fs.writeFileSync(
  path.join(dist, 'manifest.json'),
  JSON.stringify(manifest, null, 2),
);
console.log(`built ${files.length} file(s) into dist/`);
