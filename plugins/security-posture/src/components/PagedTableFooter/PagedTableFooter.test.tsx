import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import {
  lastPageOf,
  PagedTableFooter,
  PagedTableFooterProps,
} from './PagedTableFooter';

function renderFooter(overrides: Partial<PagedTableFooterProps> = {}) {
  const props: PagedTableFooterProps = {
    testIdPrefix: 'things',
    empty: false,
    emptyText: 'No things.',
    totalItems: 30,
    page: 0,
    pageSize: 10,
    onPageChange: jest.fn(),
    onPageSizeChange: jest.fn(),
    ...overrides,
  };
  return renderInTestApp(<PagedTableFooter {...props} />).then(() => props);
}

describe('PagedTableFooter', () => {
  it('computes the last page', () => {
    expect(lastPageOf(0, 25)).toBe(0);
    expect(lastPageOf(25, 25)).toBe(0);
    expect(lastPageOf(26, 25)).toBe(1);
    expect(lastPageOf(30, 10)).toBe(2);
  });

  it('pages: next page and page size go to the callbacks', async () => {
    const props = await renderFooter();
    expect(screen.getByText('1-10 of 30')).toBeInTheDocument();
    expect(screen.queryByTestId('things-empty')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(props.onPageChange).toHaveBeenCalledWith(1);

    await userEvent.click(
      screen.getByRole('button', { name: /Rows per page/ }),
    );
    await userEvent.click(screen.getByRole('option', { name: '25' }));
    expect(props.onPageSizeChange).toHaveBeenCalledWith(25);
  });

  it('never shows a page past the last one', async () => {
    await renderFooter({ page: 7 });
    expect(screen.getByText('21-30 of 30')).toBeInTheDocument();
  });

  it('says when there is nothing, and offers to clear the filters when it can', async () => {
    const onReset = jest.fn();
    await renderFooter({ empty: true, totalItems: 0, onReset });
    const empty = screen.getByTestId('things-empty');
    expect(empty).toHaveTextContent('No things.');
    await userEvent.click(
      within(empty).getByRole('button', { name: 'Clear filters' }),
    );
    expect(onReset).toHaveBeenCalledTimes(1);
  });

  it('offers no reset without one', async () => {
    await renderFooter({ empty: true, totalItems: 0 });
    expect(screen.getByTestId('things-empty')).toHaveTextContent('No things.');
    expect(
      screen.queryByRole('button', { name: 'Clear filters' }),
    ).not.toBeInTheDocument();
  });

  it('until the total is known: the loading text when given, else no pagination', async () => {
    const { unmount } = await renderInTestApp(
      <PagedTableFooter
        testIdPrefix="things"
        empty={false}
        emptyText="No things."
        page={0}
        pageSize={10}
        onPageChange={jest.fn()}
        onPageSizeChange={jest.fn()}
        loadingText="Loading things…"
      />,
    );
    expect(screen.getByTestId('things-pagination-loading')).toHaveTextContent(
      'Loading things…',
    );
    expect(screen.queryByText(/of 0/)).not.toBeInTheDocument();
    unmount();

    await renderFooter({ totalItems: undefined });
    expect(
      screen.queryByTestId('things-pagination-loading'),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Next page' }),
    ).not.toBeInTheDocument();
  });
});
