// What a test page tells its spec: lines of log, the failed checks, and facts to assert on, published as
// window.__results (a promise, which chromium.ts's pageResults awaits) once the page's run settles.

export function pageReport() {
  const log = [];
  const failures = [];
  const facts = {};
  const say = (line) => {
    log.push(line);
    console.log(line);
  };
  /** one named check: logged as ok or FAILED, a failure kept with its detail */
  const expect = (what, ok, detail = '') => {
    say(`${what}: ${ok ? 'ok' : 'FAILED'}${detail ? ` (${detail})` : ''}`);
    if (!ok) failures.push(`${what}${detail ? `: ${detail}` : ''}`);
  };
  /** runs the page's checks and publishes the report, a throw counted as a failure */
  const publish = (run) => {
    window.__results = run().then(
      () => ({ log, failures, facts }),
      (e) => ({ log, failures: [...failures, `threw: ${e?.stack ?? e}`], facts }),
    );
  };
  return { log, failures, facts, say, expect, publish };
}
