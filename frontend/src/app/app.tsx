import { Navigate, Route, Routes } from "react-router";

import { Layout } from "./layout";
import { ComparePage } from "./pages/compare-page";
import { FittingLayout } from "./pages/fitting-layout";
import { HomePage } from "./pages/home-page";
import { NotFoundPage } from "./pages/not-found-page";
import { PhotosPage } from "./pages/photos-page";
import { QuestionsPage } from "./pages/questions-page";
import { ResultsPage } from "./pages/results-page";

/**
 * The client's routes. Every step has its own address, so Back, reload and a bookmark land where
 * the shopper was; Django serves index.html for each of them (earfit/frontend.py).
 *
 *   /                               welcome, consent, and the fittings kept on this device
 *   /questions/:number              one question per page (answers kept in sessionStorage)
 *   /fitting/:fittingId/photos      ear photos
 *   /fitting/:fittingId/results     ranked products (a kept link adds #key=…)
 *   /fitting/:fittingId/compare     two or three products side by side (?products=1,2)
 */
export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="questions" element={<Navigate to="/questions/1" replace />} />
        <Route path="questions/:number" element={<QuestionsPage />} />
        <Route path="fitting/:fittingId" element={<FittingLayout />}>
          <Route index element={<Navigate to="results" replace />} />
          <Route path="photos" element={<PhotosPage />} />
          <Route path="results" element={<ResultsPage />} />
          <Route path="compare" element={<ComparePage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
