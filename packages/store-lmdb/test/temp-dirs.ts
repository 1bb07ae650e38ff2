export { tempDirs } from '@reprise/testkit';
