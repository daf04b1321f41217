/**
 * Jest `globalTeardown` of the proxy package: the last line against a run that never ends. On a
 * 2-core machine jest runs the package in band, so a server, socket or process a test left open
 * keeps jest alive for good once the results are in (a landing once hung 25 min). The test-support
 * helpers close what they start even when a test fails; if anything else is still open this long
 * after the last test file, the run ends here, failed and saying why, instead of hanging. A healthy
 * run exits first and never sees this timer (it is unref'd). `--forceExit` was not used: it would
 * end a leaking run as passed, and hide the leak.
 */
const BOUND_MS = 30_000;

export default function boundJestExit() {
  setTimeout(() => {
    process.stderr.write(
      `\njest was still running ${BOUND_MS / 1000} s after the last test file: a test left a server, socket, timer or process open (find it with --detectOpenHandles). The run fails instead of hanging.\n`,
    );
    process.exit(1);
  }, BOUND_MS).unref();
}
