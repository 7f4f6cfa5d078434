// A stand-in for sonar-scanner: submits the analysis of this commit to SonarQube's compute
// engine (api/ce/submit) so that the pipeline's sonarqube/quality-gate step has an analysis to
// wait for. It works against Comet's fake SonarQube (app-config.demo.yaml), which takes the
// commit as `revision` and the gate to report as `gate`; a real project runs sonar-scanner,
// which reads the same sonar-project.properties, SONAR_HOST_URL and SONAR_TOKEN.
//
// SONAR_TOKEN comes from the pipeline's secrets (pipelines.secrets.SONAR_TOKEN, scoped to the
// owner group); it is sent as a bearer token and never printed. Without it the analysis is sent
// anonymously, which SonarQube accepts only when "Force user authentication" is off.
'use strict';
const fs = require('node:fs');

function readProperties(file) {
  const properties = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    const at = text.indexOf('=');
    if (at > 0)
      properties[text.slice(0, at).trim()] = text.slice(at + 1).trim();
  }
  return properties;
}

async function main() {
  const properties = readProperties('sonar-project.properties');
  const host = (
    process.env.SONAR_HOST_URL ||
    properties['sonar.host.url'] ||
    ''
  ).replace(/\/+$/, '');
  const projectKey = properties['sonar.projectKey'];
  const revision = process.env.COMET_COMMIT;
  const branch = process.env.COMET_BRANCH;
  const token = process.env.SONAR_TOKEN;
  if (!host) {
    throw new Error(
      'No SonarQube URL: set sonar.host.url in sonar-project.properties or SONAR_HOST_URL',
    );
  }
  if (!projectKey) {
    throw new Error('sonar-project.properties has no sonar.projectKey');
  }
  if (!revision) {
    throw new Error(
      'COMET_COMMIT is not set: run this inside a Comet pipeline',
    );
  }
  const url = new URL(`${host}/api/ce/submit`);
  url.searchParams.set('projectKey', projectKey);
  url.searchParams.set('revision', revision);
  url.searchParams.set('gate', process.env.SONAR_FAKE_GATE || 'OK');
  if (branch && branch !== 'main') {
    url.searchParams.append('characteristic', `branch=${branch}`);
  }
  console.log(
    `Submitting the analysis of ${revision.slice(
      0,
      12,
    )} of ${projectKey} to ${host}${
      token ? '' : ' (anonymously: SONAR_TOKEN is empty)'
    }`,
  );
  const response = await fetch(url, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${host}/api/ce/submit answered ${response.status}: ${text.slice(
        0,
        300,
      )}`,
    );
  }
  const { taskId } = JSON.parse(text);
  console.log(`Analysis queued as compute engine task ${taskId}`);
}

main().catch(error => {
  console.error(String(error.message || error));
  process.exit(1);
});
