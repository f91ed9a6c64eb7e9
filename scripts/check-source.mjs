// Source hygiene the linters do not cover: file length, line width and TODO handles.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['libs', 'services', 'emulators', 'cli', 'test', 'bench'];
const maxFileLines = 800;
const warnFileLines = 400;
const maxLineChars = 120;
const unownedTodo = /\b(TODO|FIXME)\b(?!\()/;

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const problems = [];
const long = [];
for (const root of roots) {
  for (const file of sourceFiles(root)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const where = relative('.', file);
    if (lines.length > maxFileLines)
      problems.push(`${where}: ${lines.length} lines (max ${maxFileLines})`);
    else if (lines.length > warnFileLines) long.push(`${where}: ${lines.length} lines`);
    lines.forEach((line, i) => {
      if (unownedTodo.test(line)) problems.push(`${where}:${i + 1}: TODO without a handle`);
      const isLiteral = /^\s*(['"`]|import )/.test(line);
      if (line.length > maxLineChars && !isLiteral)
        problems.push(`${where}:${i + 1}: line over ${maxLineChars}`);
    });
  }
}
if (long.length > 0)
  console.log(`check-source: files over ${warnFileLines} lines:\n  ${long.join('\n  ')}`);
if (problems.length > 0) {
  console.error(`check-source: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
