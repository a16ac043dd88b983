import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  beforeEach(() => window.localStorage.clear());

  it('should render the demo sign-in chooser', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };

    render(<App />);

    expect(await screen.findByTestId('demo-signin-alice')).toBeInTheDocument();
    expect(screen.getByTestId('demo-signin-sam')).toBeInTheDocument();
    expect(screen.getByTestId('demo-signin-dana')).toBeInTheDocument();
    expect(screen.getByTestId('demo-signin-guest')).toBeInTheDocument();
  });
});
