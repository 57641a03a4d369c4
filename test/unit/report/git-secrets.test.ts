// The git hop's secrets join the run's scrub list (src/secrets.ts): passwords in git's URLs (insteadOf),
// http.extraHeader values, the credential store's files and $HOME/.netrc (git's libcurl reads it even
// when go's $NETRC names another file).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputFiles } from '../../../src/inputfile.js';
import { parseOptions } from '../../../src/options.js';
import { collectSecrets } from '../../../src/secrets.js';

const home = mkdtempSync(join(tmpdir(), 'gmp-gitsecrets-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('git secrets are scrubbed', () => {
  it('collects every credential the git hop may hold', async () => {
    writeFileSync(join(home, '.gitconfig'), [
      '[url "https://ci:url-secret-1@git.example.com/"]',
      '\tinsteadOf = https://git.example.com/',
      '[http "https://git.example.com/"]',
      '\textraHeader = Authorization: Bearer header-token-22',
      '[credential]',
      `\thelper = store --file=${join(home, 'creds')}`,
      '',
    ].join('\n'));
    writeFileSync(join(home, 'creds'), 'https://ci:store-secret-3@git.example.com\n');
    writeFileSync(join(home, '.git-credentials'), 'https://ci:default-store-4@git.example.com\n');
    writeFileSync(join(home, '.netrc'), 'machine git.example.com login ci password netrc-secret-5\n');
    const options = parseOptions({ argv: [], env: { HOME: home, NETRC: join(home, 'elsewhere'), GIT_CONFIG_NOSYSTEM: '1' }, stdoutIsTTY: false, terminationLogExists: false });
    const secrets = await collectSecrets(options, new InputFiles());
    for (const s of ['url-secret-1', 'header-token-22', 'Bearer header-token-22', 'store-secret-3', 'default-store-4', 'netrc-secret-5']) expect(secrets).toContain(s);
  });
});
