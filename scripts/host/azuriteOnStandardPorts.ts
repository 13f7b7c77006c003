import { startAzurite, STANDARD_PORTS, type AzuritePorts } from '../azurite';

export type StandardAzurite = { kind: 'reused' } | { kind: 'started'; stop: () => Promise<void>; location: string | undefined };

const SERVICES: readonly (keyof AzuritePorts)[] = ['blob', 'queue', 'table'];

/** Whether an Azurite of that service answers on the port: its `Server` header says so. */
async function azuriteAnswers(service: keyof AzuritePorts, port: number): Promise<'azurite' | 'other' | 'nothing'> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return (response.headers.get('server') ?? '').toLowerCase().startsWith(`azurite-${service}`) ? 'azurite' : 'other';
  } catch {
    return 'nothing';
  }
}

/**
 * An Azurite on the standard ports, where every tool that speaks `UseDevelopmentStorage=true`
 * finds it: one that already answers there is reused (and left running), otherwise one is started
 * (in memory, or in `location`). Ports held by something else are an error that names them.
 */
export async function azuriteOnStandardPorts(location: string | undefined): Promise<StandardAzurite> {
  const found = await Promise.all(SERVICES.map(async (service) => ({ service, port: STANDARD_PORTS[service], answer: await azuriteAnswers(service, STANDARD_PORTS[service]) })));
  if (found.every(({ answer }) => answer === 'azurite')) return { kind: 'reused' };
  const taken = found.filter(({ answer }) => answer !== 'nothing');
  if (taken.length > 0) {
    throw new Error(
      `Cannot start Azurite: ${taken.map(({ service, port, answer }) => `port ${port} (${service}) is held by ${answer === 'azurite' ? 'an Azurite' : 'another program'}`).join(', ')}. ` +
        'Stop it, or start a full Azurite there (blob, queue and table), or point TASKS_STORAGE at other storage.',
    );
  }
  const azurite = await startAzurite({ ports: STANDARD_PORTS, ...(location !== undefined ? { location } : {}) });
  return { kind: 'started', stop: () => azurite.stop(), location };
}
