/** Services outside the university's Nudge: Microsoft Graph for tutors' calendars. */
export {
  createGraphCalendar,
  tutorCalendarOf,
  graphTutorCalendar,
  GraphError,
  type GraphCalendar,
  type GraphMeeting,
  type GraphSettings,
} from "./graph-calendar.ts";
