import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/build';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

/** One block of the tour's commands and the output the README shows after it, if any. */
interface Step {
  commands: string;
  expected: string[];
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TOUR_START = README.indexOf('## A five-minute tour');
const TOUR = README.slice(TOUR_START, README.indexOf('\n## ', TOUR_START));

/** The tour's bash blocks in order, each with the plain block that follows it. */
function tourSteps(): Step[] {
  const steps: Step[] = [];
  for (const [, language, body] of TOUR.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (language === 'bash') steps.push({ commands: body, expected: [] });
    else steps[steps.length - 1].expected = body.trimEnd().split('\n');
  }
  return steps;
}

const UUID = /[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/g;

/**
 * Whether a printed line is what the README shows: `…` stands for anything
 * left out, and an id shortened to `1cc7a582-…` for any whole id. A plain
 * scan of the pieces between the gaps, so a long line cannot make it slow.
 */
function isShownAs(printed: string, shown: string): boolean {
  const line = printed.replace(UUID, '<id>');
  const [first, ...rest] = shown.replace(/[0-9a-f]{8}-…/g, '<id>').split('…');
  if (rest.length === 0) return line === first;
  const last = rest.pop() ?? '';
  if (!line.startsWith(first)) return false;
  let at = first.length;
  for (const piece of rest) {
    const found = line.indexOf(piece, at);
    if (found === -1) return false;
    at = found + piece.length;
  }
  return line.endsWith(last) && line.length - last.length >= at;
}

/** Runs the blocks in one bash, as a person pastes them into one terminal; the output of each. */
function runTour(script: string[]): Promise<string[]> {
  const marked = script.map((commands, i) => `echo '@@step ${i}'\n${commands}`).join('\n');
  return new Promise((resolve, reject) => {
    const bash = spawn('bash', ['-c', marked], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    bash.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    bash.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    bash.once('error', reject);
    bash.once('close', (code) => {
      if (code !== 0 || stderr !== '') {
        reject(new Error(`the tour's commands failed (exit ${code}): ${stderr}`));
        return;
      }
      resolve(stdout.split(/^@@step \d+\n/m).slice(1));
    });
  });
}

describe('the README tour prints what the README shows', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ name: 'readme-tour' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('names the line npm start prints when the system is ready', () => {
    const ready = /The system is ready when it prints `([^`]+)`/.exec(TOUR)?.[1];
    expect(ready).toBeDefined();
    const banner = readFileSync(join(ROOT, 'scripts', 'lib', 'start', 'banner.js'), 'utf8');
    expect(banner).toContain(`'${ready}'`);
  });

  it('runs every command of the tour and gets the output shown after it', async () => {
    const [start, ...steps] = tourSteps();
    expect(start.commands.trim()).toBe('npm start');
    expect(steps.length).toBeGreaterThanOrEqual(6);
    // The README's addresses and development tokens, as this stack has them.
    const { apps, secrets } = stack;
    const local = (text: string) =>
      text
        .replaceAll('http://127.0.0.1:3000', apps.coordinator.url)
        .replaceAll('http://127.0.0.1:3001', apps.inventory.url)
        .replaceAll('http://127.0.0.1:3002', apps.account.url)
        .replaceAll('dev-api-key', secrets.apiKey)
        .replaceAll('dev-admin-token', secrets.adminToken);

    const outputs = await runTour(steps.map((step) => local(step.commands)));
    expect(outputs).toHaveLength(steps.length);
    steps.forEach((step, i) => {
      const printed = outputs[i].trimEnd();
      const lines = printed === '' ? [] : printed.split('\n');
      const expected = step.expected.map(local);
      expect({ step: step.commands, lines: lines.length }).toEqual({
        step: step.commands,
        lines: expected.length,
      });
      // On a mismatch the diff shows the printed line against the README's.
      expected.forEach((shown, j) =>
        expect(isShownAs(lines[j], shown) ? shown : lines[j]).toBe(shown),
      );
    });
  });
});
