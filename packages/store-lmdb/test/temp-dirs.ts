export { tempDirs } from '@reprise/testkit/internal';
