/**
 * Consistency checks between README.md, docker-compose.yml, the Dockerfile, package.json and the code.
 * Each check is a pure function returning the problems it found (empty = fine), so the tests can run it on
 * the real files and on deliberately broken copies (a check that cannot fail proves nothing).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const ROOT = path.resolve(__dirname, '../..');

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

// ---- Markdown ---------------------------------------------------------------------------------------

/** The text under the first heading matching `heading`, up to the next heading of the same or a higher level. */
export function markdownSection(markdown: string, heading: RegExp): string | undefined {
  const lines = markdown.split('\n');
  let inFence = false;
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const match = /^(#{1,6})\s+(.*)$/.exec(line);
    if (!match) continue;
    if (start < 0) {
      if (heading.test(match[2]!)) {
        start = i + 1;
        level = match[1]!.length;
      }
    } else if (match[1]!.length <= level) {
      return lines.slice(start, i).join('\n');
    }
  }
  return start < 0 ? undefined : lines.slice(start).join('\n');
}

/** Every pipe table in the text: rows of trimmed cells, header first, separator rows dropped. */
export function markdownTables(text: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|')) {
      current = undefined;
      continue;
    }
    if (!current) {
      current = [];
      tables.push(current);
    }
    const cells = trimmed.replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
    if (cells.every((cell) => /^:?-{3,}:?$/.test(cell))) continue;
    current.push(cells);
  }
  return tables;
}

/** The backticked name in the first cell of each body row of the tables whose header starts with `firstHeader`. */
export function firstColumnNames(section: string, firstHeader: RegExp): string[] {
  return markdownTables(section)
    .filter((table) => table[0] && firstHeader.test(table[0][0] ?? ''))
    .flatMap((table) => table.slice(1))
    .map((row) => /`([^`]+)`/.exec(row[0] ?? '')?.[1])
    .filter((name): name is string => Boolean(name));
}

/** Rows (after the header) of the tables whose header starts with `firstHeader`, keyed by the backticked first cell. */
export function tableRowsByName(section: string, firstHeader: RegExp): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const table of markdownTables(section).filter((t) => t[0] && firstHeader.test(t[0][0] ?? ''))) {
    for (const row of table.slice(1)) {
      const name = /`([^`]+)`/.exec(row[0] ?? '')?.[1];
      if (name) rows.set(name, row);
    }
  }
  return rows;
}

/** Variables of the README's Configuration table, as written (`{SERVICE}_API_KEY` stays a pattern). */
export function readmeConfigVariables(readme: string): string[] {
  const section = markdownSection(readme, /^Configuration\b/i);
  return section ? firstColumnNames(section, /^Variable$/i) : [];
}

/** Services of the README's docker-compose table. */
export function readmeComposeServices(readme: string): string[] {
  const section = markdownSection(readme, /docker-compose/i);
  return section ? firstColumnNames(section, /^Service$/i) : [];
}

/** `{SERVICE}_X` -> one name per service (APOLLO_X, ...); other names unchanged. */
export function expandServiceVariables(names: string[], services: readonly string[]): string[] {
  return names.flatMap((name) =>
    name.startsWith('{SERVICE}') ? services.map((service) => name.replace('{SERVICE}', service.toUpperCase())) : [name],
  );
}

// ---- Source -----------------------------------------------------------------------------------------

export interface SourceFile {
  path: string;
  text: string;
}

/** Every .ts file under `dir` (relative to the repository), skipping generated code. */
export function sourceFiles(dir: string, skip: string[] = ['src/generated']): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (relative: string) => {
    if (skip.includes(relative)) return;
    const absolute = path.join(ROOT, relative);
    for (const entry of readdirSync(absolute)) {
      const child = `${relative}/${entry}`;
      if (statSync(path.join(ROOT, child)).isDirectory()) walk(child);
      else if (child.endsWith('.ts')) files.push({ path: child, text: readFileSync(path.join(ROOT, child), 'utf8') });
    }
  };
  walk(dir);
  return files;
}

export interface EnvReads {
  /** Names read literally: process.env.X, env.X, env['X'], and the keys of src/config.ts's schema. */
  literal: Set<string>;
  /** Suffixes read through a per-service template: env[`${prefix}_API_KEY`] -> `_API_KEY`. */
  perServiceSuffixes: Set<string>;
  /** Where each name was found (for messages). */
  where: Map<string, string>;
}

/** Environment variables the code reads. The keys of `envSchema` in src/config.ts count as reads. */
export function envReadsIn(files: SourceFile[]): EnvReads {
  const reads: EnvReads = { literal: new Set(), perServiceSuffixes: new Set(), where: new Map() };
  const add = (name: string, file: string) => {
    reads.literal.add(name);
    if (!reads.where.has(name)) reads.where.set(name, file);
  };
  for (const { path: file, text } of files) {
    for (const match of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) add(match[1]!, file);
    for (const match of text.matchAll(/\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g)) add(match[1]!, file);
    for (const match of text.matchAll(/[eE]nv\[\s*`\$\{[^}`]+\}(_[A-Z0-9_]+)`\s*\]/g)) {
      reads.perServiceSuffixes.add(match[1]!);
      if (!reads.where.has(match[1]!)) reads.where.set(match[1]!, file);
    }
    if (file === 'src/config.ts') for (const name of configSchemaKeys(text)) add(name, file);
  }
  return reads;
}

/**
 * When src/ loads the Temporal connection with the SDK's `@temporalio/envconfig`, the TEMPORAL_* variables
 * that loader reads count as read by the product (found in the SDK's own source, so the list cannot drift).
 */
export function addSdkEnvconfigReads(reads: EnvReads, files: SourceFile[]): EnvReads {
  const user = files.find((file) => /from '@temporalio\/envconfig'/.test(file.text));
  if (!user) return reads;
  const loader = readFileSync(require.resolve('@temporalio/envconfig/lib/envconfig-toml.js'), 'utf8');
  for (const match of loader.matchAll(/envProvider\['(TEMPORAL_[A-Z0-9_]+)'\]/g)) {
    reads.literal.add(match[1]!);
    if (!reads.where.has(match[1]!)) reads.where.set(match[1]!, `${user.path} (through @temporalio/envconfig)`);
  }
  return reads;
}

/** The keys of `const envSchema = z.object({ ... })` in src/config.ts. */
export function configSchemaKeys(configSource: string): string[] {
  const start = configSource.indexOf('envSchema = z.object({');
  if (start < 0) return [];
  const end = configSource.indexOf('\n});', start);
  const body = configSource.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/^\s{2}([A-Z][A-Z0-9_]*)\s*:/gm)].map((match) => match[1]!);
}

/** Every README variable is read by the code, and every variable the code reads is in the README. */
export function checkConfigTableAgainstSource(readmeNames: string[], reads: EnvReads, services: readonly string[]): string[] {
  const problems: string[] = [];
  const prefixes = services.map((service) => service.toUpperCase());
  const readByCode = (name: string): boolean => {
    if (name.startsWith('{SERVICE}')) return reads.perServiceSuffixes.has(name.slice('{SERVICE}'.length));
    if (reads.literal.has(name)) return true;
    return prefixes.some((prefix) => name.startsWith(prefix) && reads.perServiceSuffixes.has(name.slice(prefix.length)));
  };
  for (const name of readmeNames) {
    if (!readByCode(name)) problems.push(`README configuration lists ${name}, which nothing in src/ reads`);
  }
  const documented = new Set(expandServiceVariables(readmeNames, services));
  for (const name of reads.literal) {
    if (!documented.has(name)) problems.push(`${reads.where.get(name)} reads ${name}, which the README configuration table does not list`);
  }
  for (const suffix of reads.perServiceSuffixes) {
    if (!readmeNames.includes(`{SERVICE}${suffix}`) && !prefixes.every((prefix) => documented.has(prefix + suffix))) {
      problems.push(`${reads.where.get(suffix)} reads {SERVICE}${suffix}, which the README configuration table does not list`);
    }
  }
  return problems;
}

// ---- docker-compose ---------------------------------------------------------------------------------

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target?: number; published?: string | number; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

export function parseCompose(text: string): ComposeFile {
  const doc = parse(text, { merge: true }) as ComposeFile | null;
  if (!doc || typeof doc.services !== 'object' || doc.services === null) throw new Error('docker-compose.yml has no services');
  return doc;
}

/** A service's environment as a map, whichever form it is written in. */
export function environmentOf(service: ComposeService | undefined): Record<string, string> {
  const env = service?.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

export function commandText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

/** `${NAME:-default}` / `${NAME-default}` -> default; a plain value -> itself. */
export function composeDefault(value: string): string {
  const match = /^\$\{[A-Z0-9_]+:?-(.*)\}$/.exec(value);
  return match ? match[1]! : value;
}

/** Built from this repository (the product's own image), as opposed to a third-party image. */
export function builtHere(service: ComposeService): boolean {
  return service.build !== undefined;
}

export function checkServicesMatchReadme(compose: ComposeFile, readmeServices: string[]): string[] {
  const problems: string[] = [];
  if (readmeServices.length === 0) problems.push('README has no service table under a docker-compose heading');
  const inCompose = Object.keys(compose.services);
  for (const name of readmeServices) {
    if (!inCompose.includes(name)) problems.push(`README describes service ${name}, which docker-compose.yml does not define`);
  }
  for (const name of inCompose) {
    if (!readmeServices.includes(name)) problems.push(`docker-compose.yml defines service ${name}, which the README does not describe`);
  }
  return problems;
}

export function checkRequiredEnvironment(compose: ComposeFile, services: string[], variables: string[]): string[] {
  const problems: string[] = [];
  for (const name of services) {
    const service = compose.services[name];
    if (!service) {
      problems.push(`docker-compose.yml has no ${name} service`);
      continue;
    }
    const env = environmentOf(service);
    for (const variable of variables) {
      if (!env[variable]) problems.push(`service ${name} does not set ${variable}`);
    }
  }
  return problems;
}

export function checkBuilds(compose: ComposeFile, root = ROOT): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.build === undefined) continue;
    const context = typeof service.build === 'string' ? service.build : (service.build.context ?? '.');
    const dockerfile = typeof service.build === 'string' ? 'Dockerfile' : (service.build.dockerfile ?? 'Dockerfile');
    const file = path.resolve(root, context, dockerfile);
    if (!existsSync(file)) problems.push(`service ${name} builds ${path.relative(root, file) || file}, which does not exist`);
  }
  return problems;
}

/** The file an npm script runs through tsx/node (e.g. `tsx src/main.ts` -> src/main.ts), if any. */
export function scriptEntryFile(script: string): string | undefined {
  return /^(?:tsx|node)\s+(?:--\S+\s+(?:tsx\s+)?)*([\w./-]+\.(?:ts|js))\b/.exec(script.trim())?.[1];
}

const normalise = (command: string) => command.trim().replace(/\s+/g, ' ');

/** The npm script a command runs: `npm run X`, or the very command of script X (run without npm). */
export function npmScriptOf(command: string, scripts: Record<string, string>): string | undefined {
  const viaNpm = /^npm\s+(?:run(?:-script)?\s+(\S+)|(start|test))\b/.exec(command.trim());
  if (viaNpm) return viaNpm[1] ?? viaNpm[2];
  return Object.keys(scripts).find((name) => normalise(scripts[name]!) === normalise(command));
}

/**
 * Commands of the services built here must run something that exists: an npm script of package.json (as
 * `npm run X` or as X's own command) whose entry file exists, or `[npx] tsx FILE` with FILE present.
 * `requiredScripts` maps a service to the npm script it must run (e.g. api -> api).
 */
export function checkCommands(
  compose: ComposeFile,
  scripts: Record<string, string>,
  requiredScripts: Record<string, string>,
  root = ROOT,
): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (!builtHere(service)) continue;
    const command = normalise(commandText(service.command));
    if (!command) {
      problems.push(`service ${name} is built here but sets no command`);
      continue;
    }
    const script = npmScriptOf(command, scripts);
    const tsxFile = /^(?:(?:npx\s+(?:--\S+\s+)*)?tsx|node\s+--import\s+tsx)\s+(\S+)/.exec(command)?.[1];
    if (/^npm\s/.test(command) && (script === undefined || scripts[script] === undefined)) {
      problems.push(`service ${name} runs npm script "${script ?? command}", which package.json does not define`);
    } else if (script !== undefined) {
      const entry = scriptEntryFile(scripts[script]!);
      if (entry && !existsSync(path.join(root, entry))) {
        problems.push(`service ${name} runs npm script "${script}" (${scripts[script]}), whose entry file ${entry} does not exist`);
      }
    } else if (tsxFile) {
      if (!existsSync(path.join(root, tsxFile))) problems.push(`service ${name} runs ${tsxFile}, which does not exist`);
    } else {
      problems.push(`service ${name} runs "${command}": neither an npm script nor tsx <file>`);
    }
    const required = requiredScripts[name];
    if (required !== undefined && script !== required) {
      problems.push(`service ${name} must run npm script "${required}" (${scripts[required] ?? 'missing'}), not "${command}"`);
    }
  }
  for (const name of Object.keys(requiredScripts)) {
    if (!compose.services[name]) problems.push(`docker-compose.yml has no ${name} service`);
  }
  return problems;
}

/**
 * The product's long-running containers must not run through npm or npx: npm exits at once on SIGTERM
 * without passing it on, so `docker compose stop` would kill a worker mid-job instead of letting it drain.
 */
export function checkSignalsReachProcess(compose: ComposeFile): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => builtHere(service) && /^(npm|npx)\b/.test(normalise(commandText(service.command))))
    .map(([name]) => `service ${name} runs through npm/npx, which does not pass SIGTERM on: run the script's command (node --import tsx <entry>) instead`);
}

/** Every variable set on a service built here is one the README documents (catches typos and drift). */
export function checkComposeEnvironmentDocumented(compose: ComposeFile, documented: Set<string>): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (!builtHere(service)) continue;
    for (const variable of Object.keys(environmentOf(service))) {
      if (!documented.has(variable)) problems.push(`service ${name} sets ${variable}, which the README configuration table does not list`);
    }
  }
  return problems;
}

/** By default the worker talks to the simulator service: {SERVICE}_BASE_URL and the simulator's API key. */
export function checkSimulatorWiring(compose: ComposeFile, services: readonly string[], simulatorApiKey: string): string[] {
  const problems: string[] = [];
  const env = environmentOf(compose.services.worker);
  if (!compose.services.simulator) problems.push('docker-compose.yml has no simulator service');
  for (const service of services) {
    const prefix = service.toUpperCase();
    const baseUrl = env[`${prefix}_BASE_URL`];
    const apiKey = env[`${prefix}_API_KEY`];
    const wantUrl = `http://simulator:4010/${service}`;
    if (baseUrl === undefined || composeDefault(baseUrl) !== wantUrl) {
      problems.push(`worker ${prefix}_BASE_URL should default to ${wantUrl} (is ${baseUrl ?? 'unset'})`);
    }
    if (apiKey === undefined || composeDefault(apiKey) !== simulatorApiKey) {
      problems.push(`worker ${prefix}_API_KEY should default to ${simulatorApiKey} (is ${apiKey ?? 'unset'})`);
    }
  }
  return problems;
}

/**
 * Some service registers every search attribute as a Keyword with `temporal operator search-attribute create`,
 * and its script escapes `$` for compose (`$$`), or compose would substitute the host's variables into it.
 */
export function checkSearchAttributeRegistration(compose: ComposeFile, attributes: string[]): string[] {
  const registering = Object.entries(compose.services).filter(([, service]) =>
    `${commandText(service.entrypoint)} ${commandText(service.command)}`.includes('search-attribute create'),
  );
  if (registering.length === 0) return ['no service runs `temporal operator search-attribute create`'];
  const problems: string[] = [];
  for (const [name, service] of registering) {
    const script = `${commandText(service.entrypoint)} ${commandText(service.command)}`;
    for (const attribute of attributes) {
      if (!new RegExp(`--name\\s+${attribute}\\s+--type\\s+Keyword\\b`).test(script)) {
        problems.push(`service ${name} does not register ${attribute} as a Keyword search attribute`);
      }
    }
    if (/\$/.test(script.replaceAll('$$', ''))) {
      problems.push(`service ${name}'s script has an unescaped $ (write $$, or compose substitutes it)`);
    }
  }
  return problems;
}

/** A process listening inside a container must bind 0.0.0.0 and publish its port. */
export function checkListening(compose: ComposeFile, name: string, hostVariable: string, port: number): string[] {
  const service = compose.services[name];
  if (!service) return [`docker-compose.yml has no ${name} service`];
  const problems: string[] = [];
  if (composeDefault(environmentOf(service)[hostVariable] ?? '') !== '0.0.0.0') {
    problems.push(`service ${name} must set ${hostVariable}=0.0.0.0 (the default 127.0.0.1 is unreachable from outside the container)`);
  }
  const published = (service.ports ?? []).some((entry) =>
    typeof entry === 'object' ? entry.target === port : String(entry).split(':').pop() === String(port),
  );
  if (!published) problems.push(`service ${name} does not publish container port ${port}`);
  return problems;
}

/**
 * Every published port binds the host's loopback (`127.0.0.1:HOST:CONTAINER`, or `host_ip: 127.0.0.1`): a bare
 * `HOST:CONTAINER` publishes on every interface, and Temporal's gRPC, its UI and the simulator's fault API
 * have no authentication.
 */
export function checkLoopbackPorts(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const entry of service.ports ?? []) {
      const hostIp = typeof entry === 'object' ? entry.host_ip : /^(\d+\.\d+\.\d+\.\d+|\[[^\]]+\]):/.exec(String(entry))?.[1];
      if (hostIp !== '127.0.0.1' && hostIp !== '[::1]' && hostIp !== '::1') {
        problems.push(`service ${name} publishes ${JSON.stringify(entry)} on every interface: bind it to 127.0.0.1`);
      }
    }
  }
  return problems;
}

/**
 * No API key ships in the compose file: the api requires API_KEYS (`${API_KEYS:?message}`), so compose refuses
 * to start until the user writes one, and no service carries a default for it.
 */
export function checkNoDefaultApiKey(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const value = environmentOf(service).API_KEYS;
    if (value === undefined) continue;
    if (!/^\$\{API_KEYS:\?[^}]+\}$/.test(value)) {
      problems.push(`service ${name} must require API_KEYS with \${API_KEYS:?<message>} (is ${value}), so no default key ships`);
    }
  }
  if (!('API_KEYS' in environmentOf(compose.services.api))) problems.push('service api does not pass API_KEYS');
  return problems;
}

/**
 * Temporal runs as `temporalio/server` on a schema an explicit one-shot step sets up with temporal-sql-tool (both
 * databases, then every version), not as the deprecated `temporalio/auto-setup`; server and admin tools are one version.
 */
export function checkTemporalServer(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (/^temporalio\/auto-setup\b/.test(service.image ?? '')) problems.push(`service ${name} uses the deprecated temporalio/auto-setup image`);
  }
  const server = compose.services.temporal;
  const serverVersion = /^temporalio\/server:(\S+)$/.exec(server?.image ?? '')?.[1];
  if (!serverVersion) return [...problems, 'service temporal must run temporalio/server:<version>'];
  const schema = Object.entries(compose.services).find(([, service]) =>
    /\btemporal-sql-tool\b/.test(`${commandText(service.entrypoint)} ${commandText(service.command)}`),
  );
  if (!schema) return [...problems, 'no service sets up the schema with temporal-sql-tool'];
  const [schemaName, schemaService] = schema;
  const script = commandText(schemaService.command);
  for (const [db, schemaDir] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    const steps = [`create`, `setup-schema -v 0.0`, `update-schema -d /etc/temporal/schema/postgresql/v12/${schemaDir}/versioned`];
    for (const step of steps) {
      if (!script.includes(`--db ${db} ${step}`)) problems.push(`service ${schemaName} does not run temporal-sql-tool --db ${db} ${step}`);
    }
  }
  const dependsOn = server!.depends_on;
  const condition = Array.isArray(dependsOn) ? undefined : dependsOn?.[schemaName]?.condition;
  if (condition !== 'service_completed_successfully') problems.push(`service temporal must wait for ${schemaName} to complete successfully`);
  for (const [name, service] of Object.entries(compose.services)) {
    const adminVersion = /^temporalio\/admin-tools:(\S+)$/.exec(service.image ?? '')?.[1];
    if (adminVersion !== undefined && adminVersion !== serverVersion) {
      problems.push(`service ${name} runs admin-tools ${adminVersion}, the server is ${serverVersion}`);
    }
  }
  return problems;
}

// ---- Dockerfile -------------------------------------------------------------------------------------

/** Base image, npm ci, the Prisma client generated offline, and every COPY source present and not ignored. */
export function checkDockerfile(dockerfile: string, dockerignore: string, root = ROOT): string[] {
  const problems: string[] = [];
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const froms = instructions.filter((line) => /^FROM\s/i.test(line));
  if (froms.length === 0 || !froms.every((line) => /^FROM\s+node:20-bookworm-slim(\s|$)/i.test(line))) {
    problems.push('every stage must be FROM node:20-bookworm-slim');
  }
  if (!instructions.some((line) => /^RUN\s.*\bnpm ci\b/.test(line))) problems.push('the image must install dependencies with npm ci');
  const generate = instructions.find((line) => /^RUN\s.*\bprisma generate\b/.test(line));
  if (!generate) {
    problems.push('the image must generate the Prisma client (prisma generate)');
  } else {
    const engine = /PRISMA_SCHEMA_ENGINE_BINARY=(\S+)/.exec(generate)?.[1];
    if (!engine) problems.push('prisma generate must run with PRISMA_SCHEMA_ENGINE_BINARY pointed at an existing file');
    else if (!instructions.some((line) => /^COPY\s/.test(line) && line.includes(path.posix.basename(engine)))) {
      problems.push(`PRISMA_SCHEMA_ENGINE_BINARY=${engine} is not a file the image copies`);
    }
  }
  const ignored = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of instructions.filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))) {
    const parts = line.split(/\s+/).slice(1).filter((part) => !part.startsWith('--'));
    for (const source of parts.slice(0, -1)) {
      if (!existsSync(path.join(root, source))) problems.push(`Dockerfile copies ${source}, which does not exist`);
      if (ignored.includes(source) || ignored.includes(`${source}/`)) problems.push(`Dockerfile copies ${source}, which .dockerignore excludes`);
    }
  }
  return problems;
}

// ---- README vs package.json -------------------------------------------------------------------------

/** Every `npm run X` the README mentions is a script of package.json. */
export function checkReadmeNpmScripts(readme: string, scripts: Record<string, string>): string[] {
  const mentioned = new Set([...readme.matchAll(/\bnpm run ([\w:-]+)/g)].map((match) => match[1]!));
  return [...mentioned].filter((script) => scripts[script] === undefined).map((script) => `README mentions npm run ${script}, which package.json does not define`);
}
