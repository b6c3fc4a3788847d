import { Component, type ReactNode } from 'react';
import { ErrorNote } from './error-note.tsx';

/** A panel that fails to render shows why, and the rest of the page stays. (React catches render errors only in a class.) */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failure: unknown }> {
  override state = { failure: null as unknown };

  static getDerivedStateFromError(failure: unknown) {
    return { failure };
  }

  override render() {
    if (this.state.failure === null) return this.props.children;
    return (
      <section className="panel">
        <ErrorNote error={this.state.failure} />
      </section>
    );
  }
}
