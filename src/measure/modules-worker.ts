import { parentPort, workerData } from 'node:worker_threads';
import { measureOne } from './modules.js';

/** A worker of measureModules: measures the modules it is sent, one message each way per module. */
const rules = (workerData as { rules: string }).rules;

parentPort!.on('message', (m: { i: number; path: string; name: string }) => {
  parentPort!.postMessage({ i: m.i, outcome: measureOne(m.path, m.name, rules) });
});
