/* The demo portal's backend (see backend.ts). */
import { createDemoBackend } from './backend';

createDemoBackend().start();
