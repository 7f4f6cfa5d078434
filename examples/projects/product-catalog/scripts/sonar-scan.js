// A stand-in for sonar-scanner in the demo: submits an analysis of this commit to SonarQube's
// compute engine (api/ce/submit) so that the sonarqube/quality-gate step has something to wait
// for. It works against Comet's fake SonarQube (app-config.demo.yaml), which takes the commit
// as `revision` and the gate to report as `gate`; a real project runs sonar-scanner instead.
'use strict';
const fs = require('node:fs');

const properties = Object.fromEntries(
  fs
    .readFileSync('sonar-project.properties', 'utf8')
    .split('\n')
    .filter(line => line.trim() && !line.trim().startsWith('#'))
    .map(line => [
      line.slice(0, line.indexOf('=')).trim(),
      line.slice(line.indexOf('=') + 1).trim(),
    ]),
);
const host = (
  process.env.SONAR_HOST_URL || properties['sonar.host.url']
).replace(/\/+$/, '');
const projectKey = properties['sonar.projectKey'];
const revision = process.env.COMET_COMMIT;
const branch = process.env.COMET_BRANCH;
const gate = process.env.SONAR_FAKE_GATE || 'OK';

async function main() {
  if (!revision)
    throw new Error(
      'COMET_COMMIT is not set: run this inside a Comet pipeline',
    );
  const url = new URL(`${host}/api/ce/submit`);
  url.searchParams.set('projectKey', projectKey);
  url.searchParams.set('revision', revision);
  url.searchParams.set('gate', gate);
  if (branch && branch !== 'main')
    url.searchParams.append('characteristic', `branch=${branch}`);
  console.log(
    `Submitting the analysis of ${revision.slice(
      0,
      12,
    )} of ${projectKey} to ${host}`,
  );
  const response = await fetch(url, {
    method: 'POST',
    signal: AbortSignal.timeout(10000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${host}/api/ce/submit answered ${response.status}: ${text.slice(
        0,
        300,
      )}\n` +
        'Is the SonarQube fake on? Start Comet with --config app-config.demo.yaml ' +
        '(comet.fakes.sonarqube and sonarqube.instances), or set SONAR_HOST_URL.',
    );
  }
  const { taskId } = JSON.parse(text);
  console.log(
    `Analysis queued as compute engine task ${taskId} (the fake reports gate ${gate})`,
  );
}

main().catch(error => {
  console.error(String(error.message || error));
  process.exit(1);
});
