import { describeTrackingSlice } from './tracking-slice';

describeTrackingSlice('embedded', () => ({ EVENTLINE_BACKEND: 'embedded' }));
