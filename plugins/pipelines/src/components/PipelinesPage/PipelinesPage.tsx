import { Progress } from '@backstage/core-components';
import { ReactRouterV6PageRouter } from '@backstage/frontend-adapter-react-router-v6';
import { lazy, Suspense } from 'react';
import { Route, Routes, useParams } from 'react-router-dom';
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

/** `/pipelines`: all runs, `/pipelines/runs/:runId`, `/pipelines/editor`. */
export function PipelinesPage() {
  return (
    <ReactRouterV6PageRouter>
      <Routes>
        <Route path="/" element={<GlobalRunsPage />} />
        <Route path="/runs/:runId" element={<RunRoute />} />
        <Route
          path="/editor"
          element={
            <Suspense fallback={<Progress />}>
              <EditorPage />
            </Suspense>
          }
        />
        <Route path="*" element={<GlobalRunsPage />} />
      </Routes>
    </ReactRouterV6PageRouter>
  );
}
