import {
  Sidebar,
  SidebarDivider,
  SidebarGroup,
  SidebarItem,
  SidebarScrollWrapper,
  SidebarSpace,
} from '@backstage/core-components';
import { NavContentBlueprint } from '@backstage/plugin-app-react';
import { SidebarLogo } from './SidebarLogo';
import MenuIcon from '@material-ui/icons/Menu';
import SearchIcon from '@material-ui/icons/Search';
import NotificationsIcon from '@material-ui/icons/Notifications';
import { SidebarSearchModal } from '@backstage/plugin-search';
import { UserSettingsSignInAvatar } from '@backstage/plugin-user-settings';
import { NotificationsSidebarItem } from '@backstage/plugin-notifications';
import { ThemeProvider } from '@material-ui/core/styles';
import type { Theme } from '@material-ui/core/styles';

/**
 * Sidebar labels wrap onto a second line instead of being cut with an ellipsis
 * ("Notifications (…", "Unprocessed …"): Backstage's item styles are named
 * `BackstageSidebarItem`, so a theme override reaches them in development and production
 * builds alike (class names are minified there, so a CSS selector would not).
 */
export function withWrappingSidebarLabels(outer: Theme): Theme {
  const overrides = (outer.overrides ?? {}) as Record<string, object>;
  return {
    ...outer,
    overrides: {
      ...overrides,
      BackstageSidebarItem: {
        ...(overrides.BackstageSidebarItem ?? {}),
        label: {
          whiteSpace: 'normal',
          overflowWrap: 'anywhere',
          lineHeight: 1.25,
          textOverflow: 'clip',
        },
      },
    } as Theme['overrides'],
  };
}

export const SidebarContent = NavContentBlueprint.make({
  params: {
    component: ({ navItems }) => {
      const nav = navItems.withComponent(item => (
        <SidebarItem icon={() => item.icon} to={item.href} text={item.title} />
      ));

      // Rendered differently below: search as a modal, notifications with an unread badge
      nav.take('page:search');
      nav.take('page:notifications');

      return (
        <ThemeProvider theme={withWrappingSidebarLabels}>
          <Sidebar>
            <SidebarLogo />
            <SidebarGroup label="Search" icon={<SearchIcon />} to="/search">
              <SidebarSearchModal />
            </SidebarGroup>
            <SidebarDivider />
            <SidebarGroup label="Menu" icon={<MenuIcon />}>
              {nav.take('page:catalog')}
              {nav.take('page:scaffolder')}
              <SidebarDivider />
              <SidebarScrollWrapper>
                {nav.rest({ sortBy: 'title' })}
              </SidebarScrollWrapper>
            </SidebarGroup>
            <SidebarSpace />
            <SidebarDivider />
            <NotificationsSidebarItem
              // The unread count is part of the link's text, so what it shows and what a screen
              // reader announces are the same (the plugin's badge made them differ)
              renderItem={({ unreadCount, to, onClick }) => (
                <SidebarItem
                  icon={NotificationsIcon}
                  to={to}
                  onClick={onClick}
                  text={
                    unreadCount > 0
                      ? `Notifications (${
                          unreadCount > 99 ? '99+' : unreadCount
                        } unread)`
                      : 'Notifications'
                  }
                />
              )}
            />
            <SidebarDivider />
            <SidebarGroup
              label="Settings"
              icon={<UserSettingsSignInAvatar />}
              to="/settings"
            >
              {nav.take('page:user-settings')}
            </SidebarGroup>
          </Sidebar>
        </ThemeProvider>
      );
    },
  },
});
