import { closeTemplateDatabase } from './db';

// The PGlite template lives for the whole test file; close it so Jest can exit promptly.
afterAll(() => closeTemplateDatabase());
