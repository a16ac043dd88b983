export { PluginsView } from './PluginsView';
