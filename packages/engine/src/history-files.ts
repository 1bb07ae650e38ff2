import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ExportedHistory, InvalidArgumentError, readExportedHistories } from '@reprise/core';

/**
 * The exported histories in a file, or in every `.json` file under a folder (subfolders too, in
 * name order), each with the file it came from: what `reprise export --all --out <dir>` writes,
 * and what a repository commits as regression fixtures. A file holds one exported history, a
 * bare array of events, or an array of exported histories (core's `readExportedHistories`). A
 * missing path, or a file that is not JSON or not a history, is an `InvalidArgumentError`
 * naming it. The one reader of history files: `reprise replay` and the testkit's
 * `readHistoryFiles` both go through it.
 */
export function readHistoryFiles(path: string): { file: string; history: ExportedHistory }[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new InvalidArgumentError(
      'path',
      `${JSON.stringify(path)} is not a file or folder of exported histories`,
    );
  }
  const files = isDirectory ? jsonFilesUnder(path) : [path];
  return files.flatMap((file) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new InvalidArgumentError('file', `${file} is not JSON: ${(error as Error).message}`);
    }
    try {
      return readExportedHistories(json).map((history) => ({ file, history }));
    } catch (error) {
      throw new InvalidArgumentError('file', `${file}: ${(error as Error).message}`);
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
