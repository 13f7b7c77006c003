import { describe, expect, it } from 'vitest';

import { matchRoute, parseRouteTemplate, specificity, splitPath } from '../../scripts/host/routeTemplate';

describe('route templates in the local host', () => {
  const reactivate = parseRouteTemplate('jobs/{jobId}/tasks/{taskId}/reactivate');

  it('fills the parameters from the path, decoded, and matches literals case-insensitively', () => {
    expect(matchRoute(reactivate, splitPath('/Jobs/job-1/TASKS/t%201/reactivate/'))).toEqual({ jobId: 'job-1', taskId: 't 1' });
  });

  it('does not match other lengths, other literals or empty segments', () => {
    expect(matchRoute(reactivate, splitPath('/jobs/job-1/tasks/t1'))).toBeNull();
    expect(matchRoute(reactivate, splitPath('/jobs/job-1/tasks/t1/terminate'))).toBeNull();
    expect(matchRoute(reactivate, splitPath('/jobs//tasks/t1/reactivate'))).toBeNull();
  });

  it('prefers a literal over a parameter at the first segment where two routes differ', () => {
    const byId = parseRouteTemplate('jobs/{jobId}/tasks/{taskId}');
    const literal = parseRouteTemplate('jobs/{jobId}/tasks/summary');
    expect([byId, literal].sort((a, b) => specificity(a).localeCompare(specificity(b))).map((r) => r.template)).toEqual(['jobs/{jobId}/tasks/summary', 'jobs/{jobId}/tasks/{taskId}']);
  });

  it('refuses templates it could not serve as the Functions host does', () => {
    expect(() => parseRouteTemplate('jobs/{jobId:int}')).toThrow(/plain \{name\} parameters/);
    expect(() => parseRouteTemplate('files/{*path}')).toThrow(/plain \{name\} parameters/);
  });
});
