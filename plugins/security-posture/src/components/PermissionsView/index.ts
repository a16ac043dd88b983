export { PermissionsView } from './PermissionsView';
