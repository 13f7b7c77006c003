/**
 * The whole app as one module, for the deployment bundle (dist/app/main.js, package.json `main`):
 * every entry point the host needs, loaded in one file instead of hundreds.
 */
import './functions/http';
import './functions/queue';
import './functions/timer';
