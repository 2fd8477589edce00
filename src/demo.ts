// `npm run demo`: the built-in Huawei Cloud simulator plus the exporter on config/demo.yaml,
// both on this machine only. The exporter runs as its real command line, in a child process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Simulator } from './simulator/server.js';

const DEMO_PORTS = { iam: 10111, gaussdb: 10112, taurusdb: 10113 };
const FLEET_TICK_MS = 10_000;

const simulator = await Simulator.start({ ports: DEMO_PORTS, tickMs: FLEET_TICK_MS }).catch((error: Error) => {
  process.stderr.write(`cannot start the simulator on ports ${Object.values(DEMO_PORTS).join(', ')}: ${error.message}\n`
    + 'Is another demo or simulator running? Stop it and try again.\n');
  process.exit(1);
});
const configPath = fileURLToPath(new URL('../config/demo.yaml', import.meta.url));
const exporter = spawn(process.execPath, [fileURLToPath(new URL('./main.js', import.meta.url)), '--config', configPath, ...process.argv.slice(2)], {
  stdio: ['ignore', 'inherit', 'inherit'],
});

process.stderr.write(`
Huawei Cloud simulator: IAM ${simulator.endpoints.iam}, GaussDB ${simulator.endpoints.gaussdb}, TaurusDB ${simulator.endpoints.taurusdb}
Exporter:               http://localhost:10110/metrics   (status page http://localhost:10110/, sessions http://localhost:10110/sessions)
The simulated fleet changes every ${FLEET_TICK_MS / 1000} s. Press Ctrl-C to stop.

`);

const stop = (): void => {
  exporter.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
exporter.once('exit', (code) => {
  void simulator.close().then(() => process.exit(code ?? 0));
});
