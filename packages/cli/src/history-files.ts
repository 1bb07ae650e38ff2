import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ExportedHistory, readExportedHistories } from '@reprise/core';
import { CliError } from './errors.js';

/**
 * The exported histories in a file, or in every `.json` file under a folder (subfolders too, in
 * name order), each with the file it came from; the format is core's (`readExportedHistories`),
 * as the testkit's `readHistoryFiles` reads it. A missing path, or a file that is not JSON or
 * not a history, is bad usage naming it.
 */
export function readHistoryFiles(path: string): { file: string; history: ExportedHistory }[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new CliError('usage', `${JSON.stringify(path)} is not a file or folder of exported histories`);
  }
  const files = isDirectory ? jsonFilesUnder(path) : [path];
  return files.flatMap((file) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CliError('usage', `${file} is not JSON: ${(error as Error).message}`);
    }
    try {
      return readExportedHistories(json).map((history) => ({ file, history }));
    } catch (error) {
      throw new CliError('usage', `${file}: ${(error as Error).message}`);
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
