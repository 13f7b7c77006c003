/**
 * The whole app as one module, for the deployment bundle (dist/app/main.js, package.json `main`):
 * every function the host runs, one file each, each registering itself when it loads.
 */
import './functions/reactivateTask';
import './functions/getTask';
import './functions/getJob';
import './functions/terminateJob';
import './functions/getTaskHistory';
import './functions/reactivateFailedTasks';
import './functions/openApi';
import './functions/reactivateTaskFromQueue';
import './functions/sweepJob';
import './functions/resumeSweep';
import './functions/checkOutbox';
import './functions/resumeOutboxCheck';
import './functions/expireHistory';
import './functions/resumeHistoryExpiry';
import { appDependencies } from './compose';

// Built now, as the host loads the app: a missing or wrong setting stops it here, naming the setting.
appDependencies();
