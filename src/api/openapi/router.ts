import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { API_PREFIX } from '../paths';
import { API_FEATURES } from '../routes';
import { buildOpenApiDocument, DOCS_PATH, OPENAPI_PATH } from './document';

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

// Built once: the document depends only on the route definitions.
let document: ReturnType<typeof buildOpenApiDocument> | undefined;
export function openApiDocument() {
  return (document ??= buildOpenApiDocument(API_FEATURES, { version: PACKAGE_VERSION }));
}

const DOCS = `${API_PREFIX}${DOCS_PATH}`;

// Swagger UI from node_modules (no CDN). Scripts come from files, never inline, so helmet's CSP stays strict;
// validatorUrl null keeps the page from sending the document to swagger.io's validator.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>leadgen-orchestrator API reference</title>
  <link rel="stylesheet" href="${DOCS}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS}/swagger-ui-bundle.js"></script>
  <script src="${DOCS}/init.js"></script>
</body>
</html>
`;
const INIT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(`${API_PREFIX}${OPENAPI_PATH}`)},
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  persistAuthorization: false,
});
`;

/** The API reference, open like health: the document, and the page that renders it. */
export function referenceRouter(): Router {
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res.json(openApiDocument());
  });
  router.get(DOCS_PATH, (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get(`${DOCS_PATH}/init.js`, (_req, res) => {
    res.type('js').send(INIT);
  });
  router.use(DOCS_PATH, express.static(SWAGGER_UI_DIR, { index: false }));
  return router;
}
