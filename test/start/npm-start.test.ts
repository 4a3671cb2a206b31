import { createServer } from 'node:net';
import { alive, commandOf, descendants, freePort, type Stack, startStack } from '../helpers/stack';

describe('npm start (the embedded stack)', () => {
  let stack: Stack | undefined;
  afterAll(() => stack?.destroy());

  it('serves the API and the Temporal Web UI, prints where they are, and Ctrl-C leaves no process behind', async () => {
    stack = await startStack();
    const health = await fetch(`${stack.apiUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'success' });
    const ui = await fetch(`${stack.uiUrl}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
    expect((await fetch(`${stack.simulatorUrl}/sim/services`)).status).toBe(200);

    // The dashboard, same origin: its page and assets come from the API process, nothing from elsewhere.
    const dashboard = await fetch(stack.dashboardUrl);
    expect(dashboard.status).toBe(200);
    const html = await dashboard.text();
    expect(html).toContain('<div id="root"></div>');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/assets\//);
      expect((await fetch(new URL(asset, stack.dashboardUrl))).status).toBe(200);
    }
    expect(dashboard.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(stack.stdout()).toContain(`Dashboard      ${stack.dashboardUrl}`);
    expect(stack.stdout()).toContain(stack.apiUrl);
    expect(stack.stdout()).toContain(stack.uiUrl);
    const status = await stack.api('GET', '/queue-management/status');
    expect(status.status).toBe(200);
    expect(status.body.data.circuit_breaker.state).toBe('closed');
    // The key is a credential: output that is not a private terminal (here a pipe) names its file instead,
    // and the logs never carry it.
    expect(stack.stdout()).toContain(`Operator key   in ${stack.keyFile}`);
    expect(stack.stdout()).not.toContain(stack.key);
    expect(stack.logs()).not.toContain(stack.key);

    // A dashboard's live stream is open while Ctrl-C arrives: it must not hold the server open.
    const stream = await fetch(`${stack.apiUrl}/queue-management/stream`, { headers: { authorization: `Bearer ${stack.key}` } });
    expect(stream.status).toBe(200);
    const streamEnded = stream.text().then(() => 'ended', () => 'ended');

    const processes = descendants(stack.child.pid!);
    expect(processes.length).toBeGreaterThan(0); // the Temporal dev server, at least
    expect(await stack.interrupt()).toBe(0);
    expect(await streamEnded).toBe('ended');
    // Helpers (esbuild's service, the dev server) exit as their parent goes; give a loaded machine a moment.
    for (let i = 0; i < 50 && processes.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processes.filter(alive).map((pid) => `${pid} ${commandOf(pid)}`)).toEqual([]);
  }, 180_000);

  it('a taken port stops the start with an error instead of announcing an API nobody serves', async () => {
    const port = await freePort();
    const squatter = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const failed = await startStack({ PORT: String(port) }).then(
        () => 'started',
        (error: Error) => error.message,
      );
      expect(failed).toMatch(/^npm start exited with 1/);
      expect(failed).not.toContain('is running');
    } finally {
      squatter.close();
    }
  }, 180_000);
});
