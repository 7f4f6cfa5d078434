import { createTheme } from '@material-ui/core/styles';
import { withWrappingSidebarLabels } from './Sidebar';

describe('withWrappingSidebarLabels', () => {
  it('lets sidebar labels wrap instead of cutting them', () => {
    const outer = createTheme({
      overrides: { MuiButton: { root: { color: 'red' } } } as any,
    });
    const theme = withWrappingSidebarLabels(outer);
    const overrides = theme.overrides as Record<string, any>;
    expect(overrides.BackstageSidebarItem.label).toMatchObject({
      whiteSpace: 'normal',
      textOverflow: 'clip',
    });
    // The rest of the outer theme is kept
    expect(overrides.MuiButton).toEqual({ root: { color: 'red' } });
    expect(theme.palette).toBe(outer.palette);
  });

  it('keeps other overrides of the sidebar item', () => {
    const outer = createTheme({
      overrides: {
        BackstageSidebarItem: { root: { height: 56 } },
      } as any,
    });
    const overrides = withWrappingSidebarLabels(outer).overrides as Record<
      string,
      any
    >;
    expect(overrides.BackstageSidebarItem.root).toEqual({ height: 56 });
    expect(overrides.BackstageSidebarItem.label.whiteSpace).toBe('normal');
  });
});
