import {
  filtersToQuery,
  parseFindingsTableState,
  tableStateToQuery,
  writeFindingsTableState,
} from './useFindingsUrlState';

describe('findings table state in the URL', () => {
  it('defaults to open findings, worst first, first page of 25', () => {
    const state = parseFindingsTableState(new URLSearchParams(''));
    expect(state).toEqual({
      category: [],
      severity: [],
      status: 'open',
      owner: [],
      kind: [],
      checkId: [],
      text: '',
      orderBy: 'severity',
      order: 'asc',
      page: 0,
      pageSize: 25,
      grouped: false,
    });
    expect(tableStateToQuery(state)).toEqual({
      status: ['open'],
      orderBy: 'severity',
      order: 'asc',
      limit: 25,
      offset: 0,
    });
  });

  it('reads every filter, the sort and the page', () => {
    const state = parseFindingsTableState(
      new URLSearchParams(
        'category=auth&category=catalog&severity=critical&severity=high&status=all' +
          '&owner=group:default/payments&kind=Component&check=catalog/leaked-secret' +
          '&q=vault&sort=firstSeenAt&order=desc&page=3&size=50',
      ),
    );
    expect(tableStateToQuery(state)).toEqual({
      category: ['auth', 'catalog'],
      severity: ['critical', 'high'],
      status: ['open', 'exempted', 'resolved'],
      owner: ['group:default/payments'],
      entityKind: ['Component'],
      checkId: ['catalog/leaked-secret'],
      text: 'vault',
      orderBy: 'firstSeenAt',
      order: 'desc',
      limit: 50,
      offset: 150,
    });
  });

  it('ignores values the backend would reject instead of failing the page', () => {
    const state = parseFindingsTableState(
      new URLSearchParams(
        'severity=urgent&severity=low&status=closed&sort=title&order=up&page=-2&size=7',
      ),
    );
    expect(state.severity).toEqual(['low']);
    expect(state.status).toBe('open');
    expect(state.orderBy).toBe('severity');
    expect(state.order).toBe('asc');
    expect(state.page).toBe(0);
    expect(state.pageSize).toBe(25);
  });

  it('writes a state back without defaults and keeps unrelated parameters', () => {
    const params = writeFindingsTableState(
      new URLSearchParams('finding=fp-1&plugin=catalog&severity=info'),
      {
        ...parseFindingsTableState(new URLSearchParams('')),
        severity: ['critical'],
        text: 'token',
        page: 2,
      },
    );
    expect(params.toString()).toBe(
      'finding=fp-1&plugin=catalog&severity=critical&q=token&page=2',
    );
    expect(tableStateToQuery(parseFindingsTableState(params)).offset).toBe(50);
  });

  it('round-trips every state through the URL', () => {
    const state = parseFindingsTableState(
      new URLSearchParams(
        'category=plugins&severity=medium&status=resolved&owner=user:default/sam' +
          '&kind=API&kind=System&q=a%20b&sort=entityRef&order=desc&page=1&size=100&group=1',
      ),
    );
    expect(state.grouped).toBe(true);
    expect(
      parseFindingsTableState(
        writeFindingsTableState(new URLSearchParams(), state),
      ),
    ).toEqual(state);
    expect(parseFindingsTableState(new URLSearchParams('group=yes')).grouped).toBe(false);
  });

  it('trims the free text and leaves empty filters out of the query', () => {
    expect(
      filtersToQuery({
        category: [],
        severity: [],
        status: 'resolved',
        owner: [],
        kind: [],
        checkId: [],
        text: '   ',
      }),
    ).toEqual({ status: ['resolved'] });
  });
});
