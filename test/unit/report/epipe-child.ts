// Child process for the EPIPE test: reports to the real process.stdout after its reader is gone.
// argv: <reportDir> <format>. Exits 0 after finish() when nothing crashed.
import { createReporter } from '../../../src/report/reporter.js';
import { failedRun } from './fixtures.js';

const [reportDir, format] = process.argv.slice(2) as [string, 'json' | 'pretty'];
const reporter = createReporter({ format, stdout: process.stdout, stdoutIsTTY: false, color: false, reportDir, secrets: [] });
// Wait until the parent has closed its end of the pipe.
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();
for (let i = 0; i < 2000; i++) reporter.log.info({ i, pad: 'x'.repeat(200) }, 'line');
await new Promise((resolve) => setTimeout(resolve, 20));
const { warnings } = await reporter.finish(failedRun());
reporter.log.info('after finish');
process.stderr.write(`finished ${JSON.stringify(warnings)}\n`);
