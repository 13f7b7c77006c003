import { localHost } from './hosts';
import { endToEndSuite } from './suite';

/** The end-to-end suite under the local host: `npm start` with no `func` on PATH. */
endToEndSuite(localHost);
