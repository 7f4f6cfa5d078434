import { Progress } from '@backstage/core-components';
import { ReactRouterV6PageRouter } from '@backstage/frontend-adapter-react-router-v6';
import { lazy, Suspense } from 'react';
import { Route, Routes, useParams } from 'react-router-dom';
import type {
  EditorAction,
  RunPageAction,
} from '@internal/plugin-pipelines-react';
import { RunPageActionsProvider } from '../extensions/RunPageActions';
import { RunPage } from '../RunPage';
import { GlobalRunsPage } from './GlobalRunsPage';

// The editor brings the YAML tooling; it loads only when opened
const EditorPage = lazy(() =>
  import('../Editor/EditorPage').then(m => ({ default: m.EditorPage })),
);

function RunRoute() {
  const { runId } = useParams();
  return <RunPage key={runId} runId={runId!} />;
}

export type PipelinesPageProps = {
  /** Actions other plugins attached to the run page (`RunPageActionBlueprint`). */
  runActions?: readonly RunPageAction[];
  /** Actions other plugins attached to the editor's toolbar (`EditorActionBlueprint`). */
  editorActions?: readonly EditorAction[];
};

/** `/pipelines`: all runs, `/pipelines/runs/:runId`, `/pipelines/editor`. */
export function PipelinesPage(props: PipelinesPageProps) {
  return (
    <RunPageActionsProvider actions={props.runActions}>
      <ReactRouterV6PageRouter>
        <Routes>
          <Route path="/" element={<GlobalRunsPage />} />
          <Route path="/runs/:runId" element={<RunRoute />} />
          <Route
            path="/editor"
            element={
              <Suspense fallback={<Progress />}>
                <EditorPage actions={props.editorActions} />
              </Suspense>
            }
          />
          <Route path="*" element={<GlobalRunsPage />} />
        </Routes>
      </ReactRouterV6PageRouter>
    </RunPageActionsProvider>
  );
}
