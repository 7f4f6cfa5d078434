import { catalogProblemsPage } from './extensions';

/** The Catalog problems page and its sidebar item. */
export const catalogProblemsExtensions = [catalogProblemsPage];
