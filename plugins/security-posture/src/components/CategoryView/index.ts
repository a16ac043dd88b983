export {
  CategoryView,
  PublishedData,
  PublishedAt,
  useNoWrapHead,
} from './CategoryView';
