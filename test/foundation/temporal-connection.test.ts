/**
 * Temporal connection settings come from the environment the SDK's way (@temporalio/envconfig): variables,
 * TOML profiles, TLS, mTLS and API keys. The product must hand the SDK loader's answer to both the client's
 * Connection and the worker's NativeConnection unchanged, and must still connect in plain gRPC.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { openTemporal, temporalConnectOptions } from '../../src/runtime';
import { sleepFor } from '../fixtures/sleep-workflow';
import { startDevServerEnv } from '../helpers/temporal';
import { makeCertificates, startTlsFront } from '../helpers/tls-front';

const SERVER_NAME = 'temporal.test';
const certs = makeCertificates(SERVER_NAME);
const pem = (file: string) => readFileSync(file);
// No user config file may leak into these tests: point the loader at one that does not exist.
const NO_FILE = { TEMPORAL_CONFIG_FILE: path.join(certs.dir, 'absent.toml') };

afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

describe('connection options from the environment', () => {
  it('mTLS: address, namespace, server CA, server name and client certificate pair, as the SDK loader reads them', () => {
    const env = {
      ...NO_FILE,
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_NAMESPACE: 'leadgen-prod',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
    };
    const config = loadConfig(env);
    expect(config.TEMPORAL_ADDRESS).toBe('temporal.example.com:7233');
    expect(config.TEMPORAL_NAMESPACE).toBe('leadgen-prod');
    expect(config.temporalConnectionOptions).toEqual({
      tls: {
        serverNameOverride: SERVER_NAME,
        serverRootCACertificate: pem(certs.caPath),
        clientCertPair: { crt: pem(certs.clientCertPath), key: pem(certs.clientKeyPath) },
      },
    });
    // What both connections get is exactly the SDK's own answer.
    const sdk = loadClientConnectConfig({ overrideEnvVars: env });
    expect(temporalConnectOptions(config)).toEqual(Object.fromEntries(Object.entries(sdk.connectionOptions).filter(([, v]) => v !== undefined)));
  });

  it('an API key (Temporal Cloud) turns TLS on with the system roots, and goes to the server as the key', () => {
    const config = loadConfig({
      ...NO_FILE,
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'leadgen.a1b2c',
      TEMPORAL_API_KEY: 'cloud-api-key-123',
    });
    expect(temporalConnectOptions(config)).toEqual({ address: 'eu-west-1.aws.api.temporal.io:7233', apiKey: 'cloud-api-key-123', tls: true });
    // TEMPORAL_TLS=false says plaintext explicitly, even with a key (e.g. behind a TLS-terminating sidecar).
    expect(loadConfig({ ...NO_FILE, TEMPORAL_ADDRESS: 'sidecar:7233', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporalConnectionOptions).toEqual({
      apiKey: 'k',
      tls: false,
    });
  });

  it('a profile of a TOML config file, chosen by TEMPORAL_PROFILE; variables override the profile', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'leadgen-envconfig-')), 'temporal.toml');
    writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "localhost:7233"',
        '',
        '[profile.cloud]',
        'address = "leadgen.a1b2c.tmprl.cloud:7233"',
        'namespace = "leadgen.a1b2c"',
        'api_key = "from-the-file"',
        '[profile.cloud.grpc_meta]',
        'x-team = "growth"',
        '',
        '[profile.mtls]',
        'address = "temporal.internal:7233"',
        '[profile.mtls.tls]',
        `server_ca_cert_path = "${certs.caPath}"`,
        `client_cert_path = "${certs.clientCertPath}"`,
        `client_key_path = "${certs.clientKeyPath}"`,
        '',
      ].join('\n'),
    );
    try {
      const cloud = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
      expect(cloud.TEMPORAL_ADDRESS).toBe('leadgen.a1b2c.tmprl.cloud:7233');
      expect(cloud.TEMPORAL_NAMESPACE).toBe('leadgen.a1b2c');
      expect(cloud.temporalConnectionOptions).toEqual({ apiKey: 'from-the-file', tls: true, metadata: { 'x-team': 'growth' } });

      const overridden = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other.a1b2c', TEMPORAL_API_KEY: 'from-env' });
      expect(overridden.TEMPORAL_NAMESPACE).toBe('other.a1b2c');
      expect(overridden.temporalConnectionOptions.apiKey).toBe('from-env');

      const mtls = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' });
      expect(mtls.temporalConnectionOptions.tls).toMatchObject({ clientCertPair: { crt: pem(certs.clientCertPath), key: pem(certs.clientKeyPath) } });
      expect(mtls.TEMPORAL_NAMESPACE).toBe('default');

      // Without TEMPORAL_PROFILE: the `default` profile.
      expect(loadConfig({ TEMPORAL_CONFIG_FILE: file }).TEMPORAL_ADDRESS).toBe('localhost:7233');
      expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' })).toThrow(
        /Invalid Temporal connection settings.*Profile 'staging' not found/,
      );
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('nothing configured: no address (npm start runs the dev server), namespace default, plain gRPC', () => {
    const config = loadConfig(NO_FILE);
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.temporalConnectionOptions).toEqual({});
    expect(temporalConnectOptions(config, '127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233' });
  });

  it('refuses TLS or an API key without an address, and a missing certificate file, with a clear message', async () => {
    const keyWithoutAddress = loadConfig({ ...NO_FILE, TEMPORAL_API_KEY: 'k' });
    expect(() => temporalConnectOptions(keyWithoutAddress, '127.0.0.1:7233')).toThrow(/need TEMPORAL_ADDRESS/);
    await expect(openTemporal(keyWithoutAddress, { embedded: true })).rejects.toThrow(/need TEMPORAL_ADDRESS/);
    await expect(openTemporal(loadConfig(NO_FILE), { embedded: false })).rejects.toThrow(/TEMPORAL_ADDRESS is required/);
    expect(() => loadConfig({ ...NO_FILE, TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' })).toThrow(
      /Invalid Temporal connection settings.*no such file/,
    );
  });
});

describe('real connections to the dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** A workflow through the product's client, run by a worker on its native connection: both connections work. */
  async function runWorkflowThrough(config: ReturnType<typeof loadConfig>) {
    const temporal = await openTemporal(config, { embedded: false });
    try {
      const taskQueue = `conn-${randomUUID()}`;
      const worker = await Worker.create({ connection: temporal.nativeConnection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, workflowsPath: require.resolve('../fixtures/sleep-workflow') });
      const result = await worker.runUntil(temporal.client.workflow.execute(sleepFor, { taskQueue, workflowId: randomUUID(), args: [10] }));
      return { result, security: temporal.security };
    } finally {
      await temporal.close();
    }
  }

  it('plain gRPC from TEMPORAL_ADDRESS', async () => {
    expect(await runWorkflowThrough(loadConfig({ ...NO_FILE, TEMPORAL_ADDRESS: env.address }))).toEqual({ result: 'slept', security: 'plaintext' });
  });

  it('mTLS and an API key from the environment, through a TLS front that demands a client certificate', async () => {
    const front = await startTlsFront({ upstream: env.address, cert: pem(certs.serverCertPath), key: pem(certs.serverKeyPath), ca: pem(certs.caPath) });
    try {
      const config = loadConfig({
        ...NO_FILE,
        TEMPORAL_ADDRESS: front.address,
        TEMPORAL_API_KEY: 'an-api-key-for-the-front',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath,
        TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
        TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
      });
      expect(await runWorkflowThrough(config)).toEqual({ result: 'slept', security: 'mTLS + API key' });
      // Every call, the client's and the worker's, came over mTLS with our certificate and the key.
      expect(front.calls.length).toBeGreaterThan(3);
      expect(new Set(front.calls.map((call) => call.clientCn))).toEqual(new Set(['leadgen-test-client']));
      expect(new Set(front.calls.map((call) => call.authorization))).toEqual(new Set(['Bearer an-api-key-for-the-front']));

      // Without the client certificate the front refuses the handshake.
      const noClientCert = loadConfig({ ...NO_FILE, TEMPORAL_ADDRESS: front.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
      await expect(openTemporal(noClientCert, { embedded: false })).rejects.toThrow();
    } finally {
      await front.close();
    }
  });
});
