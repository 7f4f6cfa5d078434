import Alert from '@material-ui/lab/Alert';
import { Component, ReactNode } from 'react';

type ExtensionErrorBoundaryProps = { title: string; children: ReactNode };

/**
 * Keeps another plugin's broken panel or action (a chunk that fails to load, a render error)
 * from taking the pipelines page down with it: it shows in place of that one extension.
 */
export class ExtensionErrorBoundary extends Component<
  ExtensionErrorBoundaryProps,
  { error?: Error }
> {
  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  state: { error?: Error } = {};

  render() {
    if (this.state.error) {
      return (
        <Alert severity="error">
          {this.props.title} could not be shown: {this.state.error.message}
        </Alert>
      );
    }
    return this.props.children;
  }
}
