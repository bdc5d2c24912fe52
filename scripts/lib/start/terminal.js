// What a person watching `npm start` sees: the script's own lines, and each
// app's JSON log lines rendered as `time LEVEL [context] message key=value…`
// behind the app's name. Without a terminal (a pipe, a file) lines stay as
// the apps wrote them and carry no colour codes.
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);

const APP_COLORS = ['36', '35', '33', '32', '34'];
const LEVEL_COLORS = { fatal: '31', error: '31', warn: '33', info: '32', debug: '90', trace: '90' };
// Shown once in the rendered line itself (time, level, context, message) or the same for every line.
const HIDDEN_FIELDS = new Set([
  'level',
  'time',
  'app',
  'pid',
  'hostname',
  'context',
  'msg',
  'method',
  'path',
  'status',
]);

/** A line of the start script itself. */
function say(line) {
  process.stdout.write(`${paint('1', 'start')}       | ${line}\n`);
}

/** A line in red, for what went wrong. */
function sayError(line) {
  say(paint('31', line));
}

/** One JSON log line of an app, readable; anything else unchanged. */
function render(line) {
  if (!color || !line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry.msg !== 'string' || typeof entry.level !== 'string') return line;
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = paint(LEVEL_COLORS[entry.level] ?? '0', entry.level.toUpperCase().padEnd(5));
  const context = entry.context ? `[${entry.context}] ` : '';
  const extras = Object.entries(entry)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${time} ${level} ${context}${entry.msg}${extras.length > 0 ? paint('90', `  ${extras.join(' ')}`) : ''}`;
}

/** Writes the app's output lines behind its name, the `index`-th colour of the palette. */
function appPrinter(name, index) {
  const prefix = paint(APP_COLORS[index % APP_COLORS.length], name.padEnd(11));
  return (line) => process.stdout.write(`${prefix} | ${render(line)}\n`);
}

module.exports = { color, paint, say, sayError, render, appPrinter };
