// The lazy command table's summaries are the modules' own (help shows them without loading).
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.ts';

describe('the command table', () => {
  it('lists each command with the summary its module gives', async () => {
    for (const [name, entry] of Object.entries(COMMANDS))
      expect((await entry.load()).summary, name).toBe(entry.summary);
  });
});
