/**
 * The deployment files and the README tell the truth about each other and about the code: every service the
 * README describes is in docker-compose.yml and back, api/worker reach PostgreSQL and Temporal, builds and
 * commands point at things that exist, and the configuration table matches the variables the code reads.
 * Each check also runs on a deliberately broken copy, to prove it can fail.
 */
import { loadConfig } from '../../src/config';
import { DEFAULT_BASE_URLS, DEFAULT_MODELS, DEFAULT_TIMEOUTS_MS } from '../../src/providers/config';
import { SERVICES } from '../../src/providers/types';
import { SIMULATOR_API_KEY } from '../../src/simulator/provider-config';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import {
  addSdkEnvconfigReads,
  checkBuilds,
  checkCommands,
  checkComposeEnvironmentDocumented,
  checkConfigTableAgainstSource,
  checkDockerfile,
  checkListening,
  checkLoopbackPorts,
  checkNoDefaultApiKey,
  checkReadmeNpmScripts,
  checkRequiredEnvironment,
  checkSearchAttributeRegistration,
  checkServicesMatchReadme,
  checkSignalsReachProcess,
  checkSimulatorWiring,
  checkTemporalServer,
  commandText,
  type ComposeFile,
  configSchemaKeys,
  envReadsIn,
  expandServiceVariables,
  markdownSection,
  npmScriptOf,
  parseCompose,
  readmeComposeServices,
  readmeConfigVariables,
  readRepoFile,
  sourceFiles,
  tableRowsByName,
} from './deploy-checks';

const readme = readRepoFile('README.md');
const composeText = readRepoFile('docker-compose.yml');
const compose = parseCompose(composeText);
const dockerfile = readRepoFile('Dockerfile');
const dockerignore = readRepoFile('.dockerignore');
const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
const readmeVariables = readmeConfigVariables(readme);
const documentedVariables = new Set(expandServiceVariables(readmeVariables, SERVICES));
const srcFiles = sourceFiles('src');
const reads = addSdkEnvconfigReads(envReadsIn(srcFiles), srcFiles);
const attributeNames = SEARCH_ATTRIBUTES.map((key) => key.name);

/** A deep copy to break on purpose. */
const copyOf = (file: ComposeFile): ComposeFile => structuredClone(file);

describe('README', () => {
  it('gives exactly the two quick-start commands, and npm test is a script', () => {
    const quickStart = markdownSection(readme, /^Quick start$/i) ?? '';
    expect(quickStart).toContain('npm ci && npm start');
    expect(quickStart).toContain('npm ci && npm test');
    expect(scripts.test).toBeDefined();
    expect(scripts.start).toBeDefined();
  });

  it('mentions only npm scripts that exist', () => {
    expect(checkReadmeNpmScripts(readme, scripts)).toEqual([]);
    expect(checkReadmeNpmScripts(`${readme}\nnpm run deploy-to-mars`, scripts)).toEqual([
      'README mentions npm run deploy-to-mars, which package.json does not define',
    ]);
  });
});

describe('docker-compose.yml services', () => {
  const readmeServices = readmeComposeServices(readme);

  it('are exactly the ones the README describes, both ways', () => {
    expect(readmeServices.length).toBeGreaterThan(0);
    expect(checkServicesMatchReadme(compose, readmeServices)).toEqual([]);
  });

  it('include the ones the product needs', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'api', 'worker', 'simulator']),
    );
  });

  it('a service missing from either side is reported', () => {
    const withoutWorker = copyOf(compose);
    delete withoutWorker.services.worker;
    expect(checkServicesMatchReadme(withoutWorker, readmeServices)).toEqual([
      'README describes service worker, which docker-compose.yml does not define',
    ]);
    expect(checkServicesMatchReadme(compose, readmeServices.filter((name) => name !== 'simulator'))).toEqual([
      'docker-compose.yml defines service simulator, which the README does not describe',
    ]);
    expect(checkServicesMatchReadme(compose, [])).toContain('README has no service table under a docker-compose heading');
  });
});

describe('api and worker', () => {
  it('use DATABASE_URL and TEMPORAL_ADDRESS', () => {
    expect(checkRequiredEnvironment(compose, ['api', 'worker'], ['DATABASE_URL', 'TEMPORAL_ADDRESS'])).toEqual([]);
    const env = compose.services.worker!.environment as Record<string, string>;
    expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/[^@]+@postgres:5432\//);
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('a missing variable is reported', () => {
    const broken = copyOf(compose);
    delete (broken.services.api!.environment as Record<string, string>).DATABASE_URL;
    expect(checkRequiredEnvironment(broken, ['api', 'worker'], ['DATABASE_URL', 'TEMPORAL_ADDRESS'])).toEqual([
      'service api does not set DATABASE_URL',
    ]);
  });

  it('the API listens on 0.0.0.0 and publishes 8080; the simulator on 0.0.0.0 and 4010', () => {
    expect(checkListening(compose, 'api', 'HOST', 8080)).toEqual([]);
    expect(checkListening(compose, 'simulator', 'SIMULATOR_HOST', 4010)).toEqual([]);
    const broken = copyOf(compose);
    delete (broken.services.api!.environment as Record<string, string>).HOST;
    broken.services.api!.ports = [];
    expect(checkListening(broken, 'api', 'HOST', 8080)).toHaveLength(2);
  });

  it('the worker talks to the simulator service by default', () => {
    expect(checkSimulatorWiring(compose, SERVICES, SIMULATOR_API_KEY)).toEqual([]);
    const broken = copyOf(compose);
    (broken.services.worker!.environment as Record<string, string>).OPENAI_BASE_URL = 'http://localhost:4010/openai';
    expect(checkSimulatorWiring(broken, SERVICES, SIMULATOR_API_KEY)).toEqual([
      'worker OPENAI_BASE_URL should default to http://simulator:4010/openai (is http://localhost:4010/openai)',
    ]);
  });
});

describe('secure by default', () => {
  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.values(compose.services).flatMap((service) => service.ports ?? []);
    expect(published.length).toBeGreaterThanOrEqual(4); // temporal, temporal-ui, simulator, api
    expect(checkLoopbackPorts(compose)).toEqual([]);
    const broken = copyOf(compose);
    broken.services.temporal!.ports = ['7233:7233'];
    broken.services.simulator!.ports = ['0.0.0.0:4010:4010', { target: 4010, published: 4010 }];
    expect(checkLoopbackPorts(broken)).toEqual([
      'service temporal publishes "7233:7233" on every interface: bind it to 127.0.0.1',
      'service simulator publishes "0.0.0.0:4010:4010" on every interface: bind it to 127.0.0.1',
      'service simulator publishes {"target":4010,"published":4010} on every interface: bind it to 127.0.0.1',
    ]);
  });

  it('ships no API key: the api requires API_KEYS from .env, with a message saying how', () => {
    expect(checkNoDefaultApiKey(compose)).toEqual([]);
    const apiKeys = (compose.services.api!.environment as Record<string, string>).API_KEYS!;
    expect(apiKeys).toMatch(/^\$\{API_KEYS:\?.*24\+ characters.*\.env/);
    expect(composeText).not.toMatch(/local-dev-operator-key|API_KEYS:-/);
    const broken = copyOf(compose);
    (broken.services.api!.environment as Record<string, string>).API_KEYS = '${API_KEYS:-operator:local-dev-operator-key}';
    expect(checkNoDefaultApiKey(broken)).toEqual([
      'service api must require API_KEYS with ${API_KEYS:?<message>} (is ${API_KEYS:-operator:local-dev-operator-key}), so no default key ships',
    ]);
  });

  it('runs temporalio/server on a schema set up by temporal-sql-tool first, not auto-setup; one version throughout', () => {
    expect(checkTemporalServer(compose)).toEqual([]);
    expect(compose.services.temporal!.image).toMatch(/^temporalio\/server:1\.32\./);
    const broken = copyOf(compose);
    broken.services.temporal!.image = 'temporalio/auto-setup:1.29.1';
    expect(checkTemporalServer(broken)).toEqual([
      'service temporal uses the deprecated temporalio/auto-setup image',
      'service temporal must run temporalio/server:<version>',
    ]);
    const noVisibility = copyOf(compose);
    const schema = noVisibility.services['temporal-schema']!;
    schema.command = commandText(schema.command).replace(/.*--db temporal_visibility update-schema.*\n/, '');
    noVisibility.services['temporal-ui']!.image = 'temporalio/ui:2.54.1';
    noVisibility.services['temporal-admin-tools']!.image = 'temporalio/admin-tools:1.29.1';
    delete (noVisibility.services.temporal!.depends_on as Record<string, unknown>)['temporal-schema'];
    expect(checkTemporalServer(noVisibility)).toEqual([
      'service temporal-schema does not run temporal-sql-tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned',
      'service temporal must wait for temporal-schema to complete successfully',
      'service temporal-admin-tools runs admin-tools 1.29.1, the server is 1.32.0',
    ]);
  });
});

describe('builds and commands', () => {
  it('every build points at an existing Dockerfile', () => {
    const built = Object.values(compose.services).filter((service) => service.build !== undefined);
    expect(built.length).toBeGreaterThanOrEqual(3);
    expect(checkBuilds(compose)).toEqual([]);
    const broken = copyOf(compose);
    broken.services.worker!.build = { context: '.', dockerfile: 'worker.Dockerfile' };
    expect(checkBuilds(broken)).toEqual(['service worker builds worker.Dockerfile, which does not exist']);
  });

  it('commands run npm scripts that exist (api and worker the api and worker scripts), or files that exist', () => {
    expect(checkCommands(compose, scripts, { api: 'api', worker: 'worker' })).toEqual([]);
    expect(npmScriptOf(commandText(compose.services.api!.command), scripts)).toBe('api');
    expect(npmScriptOf(commandText(compose.services.worker!.command), scripts)).toBe('worker');
  });

  it('a command naming a missing script, entry file or file is reported', () => {
    const broken = copyOf(compose);
    broken.services.worker!.command = 'npm run workers';
    broken.services.simulator!.command = ['npx', 'tsx', 'src/simulator/missing.ts'];
    broken.services.api!.command = ['tsx', 'src/main.ts'];
    expect(checkCommands(broken, scripts, { api: 'api', worker: 'worker' })).toEqual([
      'service simulator runs src/simulator/missing.ts, which does not exist',
      'service api must run npm script "api" (node --import tsx src/api-main.ts), not "tsx src/main.ts"',
      'service worker runs npm script "workers", which package.json does not define',
      'service worker must run npm script "worker" (node --import tsx src/worker-main.ts), not "npm run workers"',
    ]);
    const npmApi = copyOf(compose);
    npmApi.services.api!.command = ['npm', 'run', 'api'];
    expect(checkCommands(npmApi, { ...scripts, api: 'tsx src/nowhere.ts' }, { api: 'api' })).toEqual([
      'service api runs npm script "api" (tsx src/nowhere.ts), whose entry file src/nowhere.ts does not exist',
    ]);
  });

  it('long-running containers get SIGTERM themselves (no npm/npx in between)', () => {
    expect(checkSignalsReachProcess(compose)).toEqual([]);
    const broken = copyOf(compose);
    broken.services.worker!.command = ['npm', 'run', 'worker'];
    expect(checkSignalsReachProcess(broken)).toEqual([
      "service worker runs through npm/npx, which does not pass SIGTERM on: run the script's command (node --import tsx <entry>) instead",
    ]);
  });

  it('the Dockerfile is node:20-bookworm-slim, npm ci, Prisma client generated offline, copies only what exists', () => {
    expect(checkDockerfile(dockerfile, dockerignore)).toEqual([]);
    expect(checkDockerfile(dockerfile.replace(/node:20-bookworm-slim AS runtime/, 'node:22 AS runtime'), dockerignore)).toEqual([
      'every stage must be FROM node:20-bookworm-slim',
    ]);
    expect(checkDockerfile(dockerfile.replace(/PRISMA_SCHEMA_ENGINE_BINARY=\S+ /, ''), dockerignore)).toEqual([
      'prisma generate must run with PRISMA_SCHEMA_ENGINE_BINARY pointed at an existing file',
    ]);
    expect(checkDockerfile(`${dockerfile}\nCOPY bench ./bench\n`, dockerignore)).toEqual(['Dockerfile copies bench, which .dockerignore excludes']);
  });
});

describe('search attributes', () => {
  it('a one-shot service registers every attribute the workflows set, as Keyword', () => {
    expect(attributeNames).toEqual(expect.arrayContaining(['CampaignStatus', 'CampaignId']));
    expect(checkSearchAttributeRegistration(compose, attributeNames)).toEqual([]);
  });

  it('a missing attribute or an unescaped $ is reported', () => {
    const broken = copyOf(compose);
    const admin = broken.services['temporal-admin-tools']!;
    admin.command = [commandText(admin.command).replace('--name CampaignId --type Keyword', '').replace('"$$ns"', '"$ns"')];
    expect(checkSearchAttributeRegistration(broken, attributeNames)).toEqual([
      'service temporal-admin-tools does not register CampaignId as a Keyword search attribute',
      "service temporal-admin-tools's script has an unescaped $ (write $$, or compose substitutes it)",
    ]);
  });
});

describe('configuration table', () => {
  it('lists every variable the code reads, and only those', () => {
    expect(readmeVariables.length).toBeGreaterThan(10);
    expect(checkConfigTableAgainstSource(readmeVariables, reads, SERVICES)).toEqual([]);
  });

  it('covers every variable of src/config.ts and the per-service ones', () => {
    const schemaKeys = configSchemaKeys(readRepoFile('src/config.ts'));
    expect(schemaKeys).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_KEYS', 'HOST', 'PORT']));
    for (const name of schemaKeys) expect(readmeVariables).toContain(name);
    for (const suffix of ['_API_KEY', '_BASE_URL', '_TIMEOUT_MS']) expect(readmeVariables).toContain(`{SERVICE}${suffix}`);
  });

  it('states the defaults the code uses', () => {
    const rows = tableRowsByName(markdownSection(readme, /^Configuration\b/i) ?? '', /^Variable$/i);
    const defaultOf = (name: string) => rows.get(name)?.[1] ?? '';
    const config: Record<string, unknown> = loadConfig({});
    for (const name of configSchemaKeys(readRepoFile('src/config.ts'))) {
      const value = config[name];
      if (name === 'DATA_DIR') continue; // an absolute path; the README says where it is
      if (value === undefined) expect(`${name}: ${defaultOf(name)}`).toMatch(new RegExp(`^${name}: unset`));
      else expect(`${name}: ${defaultOf(name)}`).toContain(`\`${String(value as string | number)}\``);
    }
    for (const url of Object.values(DEFAULT_BASE_URLS)) expect(defaultOf('{SERVICE}_BASE_URL')).toContain(url);
    for (const ms of Object.values(DEFAULT_TIMEOUTS_MS)) expect(defaultOf('{SERVICE}_TIMEOUT_MS')).toContain(String(ms));
    expect(defaultOf('OPENAI_MODEL')).toContain(`\`${DEFAULT_MODELS.openai}\``);
    expect(defaultOf('PERPLEXITY_MODEL')).toContain(`\`${DEFAULT_MODELS.perplexity}\``);
  });

  it('an undocumented or unread variable is reported', () => {
    expect(checkConfigTableAgainstSource([...readmeVariables, 'NOT_READ_ANYWHERE'], reads, SERVICES)).toEqual([
      'README configuration lists NOT_READ_ANYWHERE, which nothing in src/ reads',
    ]);
    expect(checkConfigTableAgainstSource(readmeVariables.filter((name) => name !== 'FAN_OUT_CONCURRENCY'), reads, SERVICES)).toEqual([
      'src/config.ts reads FAN_OUT_CONCURRENCY, which the README configuration table does not list',
    ]);
    const extraRead = envReadsIn([{ path: 'src/example.ts', text: 'const x = process.env.SHINY_NEW_SETTING;' }]);
    expect(checkConfigTableAgainstSource([], extraRead, SERVICES)).toEqual([
      'src/example.ts reads SHINY_NEW_SETTING, which the README configuration table does not list',
    ]);
  });

  it('every variable compose sets on the product containers is documented', () => {
    expect(checkComposeEnvironmentDocumented(compose, documentedVariables)).toEqual([]);
    const broken = copyOf(compose);
    (broken.services.worker!.environment as Record<string, string>).APOLO_API_KEY = 'typo';
    expect(checkComposeEnvironmentDocumented(broken, documentedVariables)).toEqual([
      'service worker sets APOLO_API_KEY, which the README configuration table does not list',
    ]);
  });
});

test('the compose file parses with its anchors merged', () => {
  expect(composeText).toContain('<<: *app-env');
  expect((compose.services.api!.environment as Record<string, string>).TASK_QUEUE).toBeDefined();
});
