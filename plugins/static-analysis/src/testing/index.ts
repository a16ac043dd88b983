export * from './secretFakes';
