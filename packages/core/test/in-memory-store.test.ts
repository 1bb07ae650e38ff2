import { InMemoryStore } from '@reprise/core';
import { describeEventStoreConformance } from '@reprise/testkit';

describeEventStoreConformance('InMemoryStore', () => new InMemoryStore());
