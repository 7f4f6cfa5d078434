import { CometMark } from './CometMark';

export const LogoIcon = () => <CometMark size={30} />;
