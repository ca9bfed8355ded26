import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';

const GITHUB = `# Written by \`slipway ci init github\`: runs the pipeline, gates and report on every push and pull request.
name: slipway
on:
  push:
    branches: [main]
  pull_request:
jobs:
  slipway:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # the metrics diff reads the base branch
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - name: slipway ci
        run: npx slipway ci
      - name: upload report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: slipway-report
          path: |
            slipway-report.md
            slipway_plots/
      - name: comment on the pull request
        if: always() && github.event_name == 'pull_request'
        env:
          GH_TOKEN: \${{ github.token }}
        run: gh pr comment \${{ github.event.pull_request.number }} --body-file slipway-report.md || true
`;

const GITLAB = `# Written by \`slipway ci init gitlab\`: runs the pipeline, gates and report on merge requests and the default branch.
slipway:
  image: node:20
  variables:
    GIT_DEPTH: 0 # the metrics diff reads the target branch
  before_script:
    - npm ci
  script:
    - git fetch origin "\${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-\$CI_DEFAULT_BRANCH}" || true
    - npx slipway ci
  artifacts:
    when: always
    paths:
      - slipway-report.md
      - slipway_plots/
    expose_as: slipway report
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
`;

/** Writes the CI workflow file that runs `slipway ci`; returns its path. Refuses to overwrite unless `force`. */
export function writeCiWorkflow(root: string, provider: 'github' | 'gitlab', force = false): string {
  const file = provider === 'github' ? join(root, '.github', 'workflows', 'slipway.yml') : join(root, '.gitlab-ci.yml');
  if (existsSync(file) && !force) throw new SlipwayError('USAGE', `${file} already exists; pass --force to overwrite it`, { file });
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, provider === 'github' ? GITHUB : GITLAB);
  return file;
}
