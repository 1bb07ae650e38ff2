import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ExportedHistory, InvalidArgumentError, readExportedHistories } from '@reprise/core';

/**
 * Reads exported histories from a file, or from every `.json` file under a folder (its
 * subfolders included, in name order): what `reprise export --all --out <dir>` writes, and
 * what a repository commits as regression fixtures. Each file holds one exported history, a
 * bare array of events, or an array of exported histories. A file that is not JSON, or not a
 * history, is refused with an `InvalidArgumentError` naming it.
 */
export function readHistoryFiles(path: string): ExportedHistory[] {
  const files = statSync(path).isDirectory() ? jsonFilesUnder(path) : [path];
  return files.flatMap((file) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new InvalidArgumentError(file, `is not JSON: ${(error as Error).message}`);
    }
    try {
      return readExportedHistories(json);
    } catch (error) {
      throw new InvalidArgumentError(file, (error as Error).message);
    }
  });
}

function jsonFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return jsonFilesUnder(path);
      return entry.isFile() && entry.name.endsWith('.json') ? [path] : [];
    });
}
