import type { ExportedHistory } from '@reprise/core';
import { readHistoryFiles as readFilesOfHistories } from '@reprise/engine/internal';

/**
 * Reads exported histories from a file, or from every `.json` file under a folder (its
 * subfolders included, in name order): what `reprise export --all --out <dir>` writes, and
 * what a repository commits as regression fixtures. Each file holds one exported history, a
 * bare array of events, or an array of exported histories. A file that is not JSON, or not a
 * history, is refused with an `InvalidArgumentError` naming it.
 */
export function readHistoryFiles(path: string): ExportedHistory[] {
  return readFilesOfHistories(path).map(({ history }) => history);
}
